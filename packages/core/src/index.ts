// What app authors use. Adapter authors: @hookgate/core/http.

export type { DedupeOptions } from './dedupe.js';
export type { Handler } from './dispatch.js';
export type { Envelope, EnvelopeJSON } from './envelope.js';
export { ENVELOPE_VERSION, envelopeFromJSON, envelopeToJSON } from './envelope.js';
export type { HookgateErrorCode, HookgateErrorOptions } from './errors.js';
export { ERROR_STATUS, ERRORS, HookgateError, isHookgateError } from './errors.js';
export { toFetchHandler } from './http/fetch.js';
export { toNodeHandler } from './http/node.js';
// Observability: OpenTelemetry (optional peer), diagnostics channels, a logger.
export type { DispatchMessage, HandleMessage, VerifyMessage } from './observability/channels.js';
export type { Logger } from './observability/logger.js';
export type { MeterProviderLike, OpenTelemetryApiLike, TracerProviderLike } from './observability/otel.js';
export type { QueueDescription, QueueTracingOptions } from './observability/queue-tracing.js';
export { QueueTracing } from './observability/queue-tracing.js';
export type { ObservabilityOptions } from './observability/telemetry.js';
export type { OrderOptions } from './ordering.js';
export type {
  Acceptance,
  ErrorHandler,
  EventOutput,
  EventType,
  OrderedEvent,
  ProcessEnvelopeOptions,
  ProcessResult,
  Receiver,
  ReceiverOptions,
} from './receiver.js';
export { createReceiver } from './receiver.js';
export type { EventSchemas, StandardSchemaV1 } from './schema.js';
export { SchemaMismatchError } from './schema.js';
export type { GitHubOptions } from './schemes/github.js';
export { github } from './schemes/github.js';
export type { HmacOptions } from './schemes/hmac.js';
export { hmac } from './schemes/hmac.js';
export type { HmacAlgorithm, SecretOptions, SignatureEncoding } from './schemes/shared.js';
export type { ShopifyOptions } from './schemes/shopify.js';
export { shopify } from './schemes/shopify.js';
export type { SlackOptions } from './schemes/slack.js';
export { slack } from './schemes/slack.js';
export type { StandardWebhooksOptions } from './schemes/standard-webhooks.js';
export { standardWebhooks } from './schemes/standard-webhooks.js';
export type { StripeOptions } from './schemes/stripe.js';
export { stripe } from './schemes/stripe.js';
export type { TokenOptions } from './schemes/token.js';
export { token } from './schemes/token.js';
export type { MemoryStoreOptions } from './stores/memory-store.js';
export { MemoryStore } from './stores/memory-store.js';
export type { ClaimResult, CursorListener, DedupeStore, OrderStore } from './stores/store.js';
export { isOrderStore } from './stores/store.js';
export type {
  DeliveryContext,
  DeliveryInfo,
  DeliveryOutcome,
  DeliveryRecord,
  HeaderInput,
  MaybePromise,
  ReceiverRequest,
  ReceiverResponse,
  Scheme,
  SchemeRequest,
  VerifiedSignature,
} from './types.js';
export type { Tolerance } from './window.js';
