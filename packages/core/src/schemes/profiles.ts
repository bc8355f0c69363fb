import type { SenderProfile } from '../types.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * What each sender documents about redelivery. One table, so adding a sender
 * or correcting a figure is one line; a scheme points at its row.
 */
export const SENDER_PROFILES = {
  /** GitHub never redelivers on its own (only a manual or API redelivery); it waits 10 s. */
  github: { retries: 0, horizonMs: 0, timeoutMs: 10 * SECOND },
  /** Slack's Events API: 3 retries (at once, after 1 min, after 5 min); it waits 3 s. */
  slack: { retries: 3, horizonMs: 6 * MINUTE, timeoutMs: 3 * SECOND },
  /** Shopify: 8 retries over 4 hours, then it may remove the subscription; it waits 5 s. */
  shopify: { retries: 8, horizonMs: 4 * HOUR, timeoutMs: 5 * SECOND },
  /** Stripe (live mode): retries with exponential backoff for up to 3 days; no documented timeout. */
  stripe: { retries: undefined, horizonMs: 3 * DAY, timeoutMs: undefined },
  /**
   * Standard Webhooks as Svix sends it: after the first attempt, 5 s, 5 min, 30 min,
   * 2 h, 5 h, 10 h and 10 h (about 27.6 h); it waits 15 s.
   */
  standardWebhooks: { retries: 7, horizonMs: 27 * HOUR + 35 * MINUTE + 5 * SECOND, timeoutMs: 15 * SECOND },
  /** A generic sender: nothing is known. */
  unknown: { retries: undefined, horizonMs: undefined, timeoutMs: undefined },
} as const satisfies Record<string, SenderProfile>;
