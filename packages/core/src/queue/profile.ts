import { configError, type HookgateError } from '../errors.js';
import type { RedeliveryProfile, Scheme } from '../types.js';

const THREE_DAYS_MS = 3 * 24 * 60 * 60 * 1000;

/** The dedupe window's default: three days, or the sender's retry horizon when that is longer. */
export function dedupeWindowMs(profile: RedeliveryProfile | undefined): number {
  return Math.max(THREE_DAYS_MS, profile?.horizonMs ?? 0);
}

/** The start-up warning for a sender that never redelivers, received inline (a failure there is lost). */
export function inlineWarning(scheme: Scheme): HookgateError | undefined {
  if (scheme.redelivery?.retries !== 0) return undefined;
  return configError(
    `${scheme.name}: this sender does not redeliver a delivery that failed, so a handler error, a timeout ` +
      'or a store outage loses it. Use durable mode (createReceiver({ queue }) and createWorker) to store deliveries before ' +
      "answering, or a delivery log that captures them (log: { store, capture: 'failed' }) to replay what failed.",
  );
}
