import { configError, rejection } from './errors.js';

/** Seconds accepted on either side of now; a number sets both. */
export type Tolerance = number | { past?: number; future?: number };

export interface Window {
  past: number;
  future: number;
}

export function resolveTolerance(tolerance: Tolerance | undefined): Window {
  const fallback = 300;
  const window =
    typeof tolerance === 'number'
      ? { past: tolerance, future: tolerance }
      : { past: tolerance?.past ?? fallback, future: tolerance?.future ?? fallback };
  for (const value of [window.past, window.future]) {
    if (!Number.isFinite(value) || value < 0) throw configError('tolerance must be a non-negative number of seconds');
  }
  return window;
}

/** Rejects a signed timestamp outside [now - past, now + future]. */
export function checkWindow(timestamp: number, nowMs: number, window: Window): void {
  // NaN would pass both comparisons below: a third-party scheme must not skip the window by accident.
  if (!Number.isFinite(timestamp)) throw rejection('malformed_header', 'The signed timestamp is not a number');
  const now = nowMs / 1000;
  if (timestamp < now - window.past) {
    throw rejection('timestamp_outside_window', 'The signed timestamp is too old');
  }
  if (timestamp > now + window.future) {
    throw rejection('timestamp_outside_window', 'The signed timestamp is in the future');
  }
}
