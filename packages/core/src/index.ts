// What app authors use. Adapter authors: @hookgate/core/http.

/** Which crypto implementation was chosen at load: `node:crypto` on Node, `web-crypto` on Bun, Deno and edge runtimes. */
export { cryptoName as cryptoBackend } from './crypto/index.js';
export type { DedupeOptions } from './dedupe.js';
export type { Handler } from './dispatch.js';
export type { Envelope, EnvelopeJSON } from './envelope.js';
export { ENVELOPE_VERSION, envelopeFromJSON, envelopeToJSON } from './envelope.js';
export type { HookgateErrorCode, HookgateErrorOptions } from './errors.js';
export { ERROR_STATUS, ERRORS, HookgateError, isHookgateError } from './errors.js';
export { toFetchHandler } from './http/fetch.js';
export { toNodeHandler } from './http/node.js';
export type {
  CapturedEnvelope,
  DeliveryLog,
  LogCapture,
  LogCaptureJSON,
  LogEntry,
  LogEntryJSON,
  LogPage,
  LogQuery,
  ResolvedQuery,
} from './log/log.js';
export {
  captureToJSON,
  entryFromJSON,
  entryToJSON,
  isEntryKey,
  matchesQuery,
  newEntryKey,
  resolveQuery,
  timePart,
} from './log/log.js';
export type { MemoryDeliveryLogOptions } from './log/memory-log.js';
export { MemoryDeliveryLog } from './log/memory-log.js';
export type { CaptureMode, DeliveryLogOptions } from './log/recorder.js';
export { DEFAULT_CAPTURE_HEADERS } from './log/recorder.js';
export type { ReplayOptions } from './log/replay.js';
// Observability: OpenTelemetry (optional peer), diagnostics channels, a logger.
export type { DispatchMessage, HandleMessage, VerifyMessage } from './observability/channels.js';
export type { Logger } from './observability/logger.js';
export type { MeterProviderLike, OpenTelemetryApiLike, TracerProviderLike } from './observability/otel.js';
export type { QueueDescription, QueueTracingOptions } from './observability/queue-tracing.js';
export { QueueTracing } from './observability/queue-tracing.js';
export type { ObservabilityOptions } from './observability/telemetry.js';
export type { OrderOptions } from './ordering.js';
// Durable mode: the queue port, the worker, the sender profiles.
export type { BackoffOptions } from './queue/backoff.js';
export type {
  ConsumeOptions,
  DeadLetter,
  JobFailure,
  JobRunner,
  JobVerdict,
  QueueCounts,
  QueuedJob,
  QueueInfo,
  QueueMessage,
  QueueReceipt,
  QueueSink,
  QueueSource,
} from './queue/port.js';
export type { Worker, WorkerOptions } from './queue/worker.js';
export { createWorker } from './queue/worker.js';
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
  ReplayResult,
} from './receiver.js';
export { createReceiver } from './receiver.js';
export type { EventSchemas, StandardSchemaV1 } from './schema.js';
export { SchemaMismatchError } from './schema.js';
export type {
  CustomAlgorithm,
  CustomHandshake,
  CustomId,
  CustomOptions,
  CustomSignature,
  CustomTimestamp,
  HandshakeValue,
  TimeFormat,
} from './schemes/custom.js';
export { custom } from './schemes/custom.js';
export type { DiscordOptions } from './schemes/discord.js';
export { discord } from './schemes/discord.js';
export type { GitHubOptions } from './schemes/github.js';
export { github } from './schemes/github.js';
export type { GitLabOptions } from './schemes/gitlab.js';
export { gitlab } from './schemes/gitlab.js';
export type { HmacOptions } from './schemes/hmac.js';
export { hmac } from './schemes/hmac.js';
export type { HookdeckOptions } from './schemes/hookdeck.js';
export { hookdeck } from './schemes/hookdeck.js';
export type { IntercomOptions } from './schemes/intercom.js';
export { intercom } from './schemes/intercom.js';
export type { LinearOptions } from './schemes/linear.js';
export { linear } from './schemes/linear.js';
export type { MailgunOptions } from './schemes/mailgun.js';
export { mailgun } from './schemes/mailgun.js';
export type { PaddleOptions } from './schemes/paddle.js';
export { paddle } from './schemes/paddle.js';
export type { SecretEntry, SecretInput, SecretOptions, SecretTime } from './schemes/secrets.js';
export type { HmacAlgorithm, SignatureEncoding } from './schemes/shared.js';
export type { ShopifyOptions } from './schemes/shopify.js';
export { shopify } from './schemes/shopify.js';
export type { SlackOptions } from './schemes/slack.js';
export { slack } from './schemes/slack.js';
export type { SquareOptions } from './schemes/square.js';
export { square } from './schemes/square.js';
export type { StandardWebhooksOptions } from './schemes/standard-webhooks.js';
export { standardWebhooks } from './schemes/standard-webhooks.js';
export type { StripeOptions } from './schemes/stripe.js';
export { stripe } from './schemes/stripe.js';
export type { ClerkOptions, ResendOptions } from './schemes/svix-senders.js';
export { clerk, resend } from './schemes/svix-senders.js';
export type { TokenOptions } from './schemes/token.js';
export { token } from './schemes/token.js';
export type { TwilioOptions } from './schemes/twilio.js';
export { twilio } from './schemes/twilio.js';
export type { TwitchOptions } from './schemes/twitch.js';
export { twitch } from './schemes/twitch.js';
export type { VercelOptions } from './schemes/vercel.js';
export { vercel } from './schemes/vercel.js';
export type { ZoomOptions } from './schemes/zoom.js';
export { zoom } from './schemes/zoom.js';
export type { MemoryStoreOptions } from './stores/memory-store.js';
export { MemoryStore } from './stores/memory-store.js';
export type {
  ClaimResult,
  CursorListener,
  DedupeStore,
  OrderStore,
  StoreFailure,
  StoreFailureDetails,
} from './stores/store.js';
export { failureReasonOf, isOrderStore, STORE_FAILURES, storeReasonOf } from './stores/store.js';
export type {
  Bytes,
  DeliveryContext,
  DeliveryInfo,
  DeliveryOutcome,
  DeliveryRecord,
  HeaderInput,
  MaybePromise,
  ReceiverRequest,
  ReceiverResponse,
  RedeliveryProfile,
  Scheme,
  SchemeRequest,
  VerifiedSignature,
} from './types.js';
export type { Tolerance } from './window.js';
