export type { DeliveryLogConformanceOptions, MakeDeliveryLog } from './log-conformance.js';
export { logEntryFixture, runDeliveryLogConformance } from './log-conformance.js';
export type { MakeOrderStore } from './order-conformance.js';
export { runOrderStoreConformance } from './order-conformance.js';
export type {
  GitHubSignInput,
  HmacSignInput,
  ShopifySignInput,
  SignableBody,
  SlackSignInput,
  StandardWebhooksSignInput,
  StripeSignInput,
} from './sign.js';
export {
  generateStandardWebhooksKeyPair,
  signGitHub,
  signHmac,
  signShopify,
  signSlack,
  signStandardWebhooks,
  signStripe,
} from './sign.js';
export type { ConformanceTest, MakeStore, StoreConformanceOptions } from './store-conformance.js';
export { runStoreConformance } from './store-conformance.js';
