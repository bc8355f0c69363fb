export type { DeliveryLogConformanceOptions, MakeDeliveryLog } from './log-conformance.js';
export { logEntryFixture, runDeliveryLogConformance } from './log-conformance.js';
export type { MakeOrderStore } from './order-conformance.js';
export { runOrderStoreConformance } from './order-conformance.js';
export type { MakeQueue, QueueConformanceOptions } from './queue-conformance.js';
export { runQueueConformance, sampleEnvelope } from './queue-conformance.js';
export type {
  CustomSignInput,
  GitHubSignInput,
  GitLabSignInput,
  HmacSignInput,
  MailgunSignInput,
  ShopifySignInput,
  SignableBody,
  SimpleSignInput,
  SlackSignInput,
  StandardWebhooksSignInput,
  StripeSignInput,
  TwilioSignInput,
  TwitchSignInput,
} from './sign.js';
export {
  generateDiscordKeyPair,
  generateStandardWebhooksKeyPair,
  signCustom,
  signDiscord,
  signGitHub,
  signGitLab,
  signHmac,
  signHookdeck,
  signIntercom,
  signLinear,
  signMailgun,
  signPaddle,
  signShopify,
  signSlack,
  signSquare,
  signStandardWebhooks,
  signStripe,
  signSvix,
  signTwilio,
  signTwitch,
  signVercel,
  signZoom,
} from './sign.js';
export type { ConformanceTest, MakeStore, StoreConformanceOptions } from './store-conformance.js';
export { runStoreConformance } from './store-conformance.js';
