import { configError } from '../errors.js';

export interface BackoffOptions {
  /** The first retry's delay, in ms. Default 10 s. */
  baseMs?: number;
  /** Each retry waits this many times longer than the one before. Default 2. */
  factor?: number;
  /** No retry waits longer than this, in ms. Default 2 h. */
  maxMs?: number;
}

export interface Backoff {
  /** The delay before the retry that follows failed attempt `attempt` (from 1), jitter included. */
  delay(attempt: number): number;
}

/**
 * Exponential backoff with "equal jitter": half the step is kept, the other
 * half is random, so retries of many jobs that failed together spread out
 * without any of them coming back at once.
 */
export function exponentialBackoff(options: BackoffOptions = {}, random: () => number = Math.random): Backoff {
  const baseMs = options.baseMs ?? 10_000;
  const factor = options.factor ?? 2;
  const maxMs = options.maxMs ?? 2 * 60 * 60 * 1000;
  if (!(baseMs > 0) || !(factor >= 1) || !(maxMs >= baseMs)) {
    throw configError('backoff: baseMs must be positive, factor at least 1, and maxMs at least baseMs');
  }
  return {
    delay(attempt: number): number {
      const step = Math.min(maxMs, baseMs * factor ** Math.max(0, attempt - 1));
      return Math.round(step / 2 + random() * (step / 2));
    },
  };
}
