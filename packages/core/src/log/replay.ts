import { parseJsonBody } from '../body.js';
import type { Dedupe } from '../dedupe.js';
import { storeUnavailable } from '../dedupe.js';
import { ENVELOPE_VERSION, type Envelope } from '../envelope.js';
import { HookgateError, isHookgateError } from '../errors.js';
import type { Scheme } from '../types.js';
import type { LogEntry } from './log.js';
import { isEntryKey } from './log.js';
import type { LogRecorder } from './recorder.js';

export interface ReplayOptions {
  /**
   * Run it even though it was processed already. The original's "done" mark stays
   * (so the sender's own retries remain duplicates); the forced run claims a dedupe
   * key of its own, `<dedupe key>#force:<forceKey>`, so it runs at most once per
   * `forceKey`. Refused while the original is being processed. Ordering still applies.
   */
  force?: boolean;
  /** Names the forced run: a second replay with the same `forceKey` is a duplicate. Default: a fresh one. */
  forceKey?: string;
}

/** The entry's envelope, rebuilt from its capture: the exact bytes, parsed again by the scheme. */
export async function envelopeForReplay(recorder: LogRecorder | undefined, key: string, scheme: Scheme) {
  if (recorder === undefined) {
    throw new HookgateError(
      'invalid_configuration',
      "Replay needs a delivery log: createReceiver({ log: { store, capture: 'failed' } })",
    );
  }
  if (!isEntryKey(key)) throw new HookgateError('log_entry_not_found', 'Not a delivery log key');
  let entry: LogEntry | undefined;
  try {
    entry = await recorder.store.get(key);
  } catch (cause) {
    throw isHookgateError(cause)
      ? cause
      : new HookgateError('log_unavailable', 'The delivery log could not be read', { cause });
  }
  if (entry === undefined) {
    throw new HookgateError('log_entry_not_found', 'No delivery with this key in the log (unknown, or past retention)');
  }
  const capture = entry.capture;
  if (capture === undefined) {
    throw new HookgateError(
      'not_replayable',
      "This delivery was logged without its body: set log.capture to 'failed' or 'all' to replay deliveries",
    );
  }
  if (capture.bodyBytes > capture.body.length) {
    throw new HookgateError(
      'not_replayable',
      `Only ${capture.body.length} of its ${capture.bodyBytes} bytes were captured: raise log.captureBytes to replay bodies this large`,
    );
  }
  if (capture.envelope === undefined) {
    throw new HookgateError(
      'not_replayable',
      `This delivery was refused before processing (${entry.code ?? entry.outcome}): it can be sent again (hookgate replay --to), not replayed`,
    );
  }
  const request = { method: 'POST', url: '/', headers: capture.headers, body: capture.body };
  const payload = await (scheme.parse ? scheme.parse(request) : parseJsonBody(capture.body));
  const envelope: Envelope = {
    version: ENVELOPE_VERSION,
    scheme: entry.scheme,
    id: entry.id,
    type: entry.type,
    timestamp: capture.envelope.timestamp,
    receivedAt: entry.receivedAt,
    body: capture.body,
    payload,
    headers: capture.headers,
    dedupeKey: entry.dedupeKey,
    orderingKey: entry.orderingKey,
    sequence: entry.sequence,
    retryNum: capture.envelope.retryNum,
    retryReason: capture.envelope.retryReason,
    secretLabel: entry.secretLabel,
    rejection: capture.envelope.rejection,
    trace: undefined,
  };
  return { entry, envelope };
}

/**
 * The dedupe key a replay runs under. Without force, the delivery's own: dedupe
 * decides (a processed one is a duplicate). With force, it first claims the
 * original key: free (never completed) means no force is needed, so it lets go and
 * runs under it; held means another copy is running now (refused, 409); done means
 * it runs under a key of its own, leaving the original's "done" mark in place.
 */
export async function dedupeKeyForReplay(
  dedupe: Dedupe | undefined,
  envelope: Envelope,
  options: ReplayOptions,
): Promise<{ dedupeKey: string | undefined; forced: boolean }> {
  const key = envelope.dedupeKey;
  if (!options.force || dedupe === undefined || key === undefined) return { dedupeKey: key, forced: false };
  if (options.forceKey !== undefined && (typeof options.forceKey !== 'string' || options.forceKey === '')) {
    throw new HookgateError('invalid_configuration', 'forceKey must be a non-empty string');
  }
  let claim: Awaited<ReturnType<Dedupe['store']['claim']>>;
  try {
    claim = await dedupe.store.claim(key, dedupe.leaseMs);
  } catch (cause) {
    throw storeUnavailable('dedupe', cause);
  }
  if (claim.status === 'claimed') {
    try {
      await dedupe.store.release(key, claim.token);
    } catch (cause) {
      throw storeUnavailable('dedupe', cause);
    }
    return { dedupeKey: key, forced: false };
  }
  if (claim.status === 'in-flight') {
    throw new HookgateError('delivery_in_flight', 'This delivery is being processed right now: replay it after', {
      retryAfter: 5,
    });
  }
  return { dedupeKey: `${key}#force:${options.forceKey ?? globalThis.crypto.randomUUID()}`, forced: true };
}
