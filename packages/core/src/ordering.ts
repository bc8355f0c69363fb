import { configError, HookgateError, positiveOption } from './errors.js';
import type { OrderStore } from './stores/store.js';
import type { DeliveryContext, MaybePromise } from './types.js';

export interface OrderOptions<Event = unknown> {
  /** The ordering key, e.g. a customer id. Undefined: this event is not ordered. */
  key: (event: Event, ctx: DeliveryContext) => string | number | undefined;
  /** The event's sequence number (strict) or version/timestamp (latest). Undefined: not ordered. */
  sequence: (event: Event, ctx: DeliveryContext) => number | undefined;
  /**
   * `strict` (default): consecutive integers; a later event waits for its predecessors.
   * `latest`: versions only grow; an older event is acknowledged as stale; nothing waits.
   */
  mode?: 'strict' | 'latest';
  /** How long a strict event waits for its predecessors, in ms. Default 5,000. */
  holdMs?: number;
  /** After the hold: `retry` answers 503 + Retry-After (default); `deliver` runs it with `ctx.gap = true`. */
  onGap?: 'retry' | 'deliver';
  /**
   * Strict mode (required there): the sequence a new key starts at, e.g. `1`; or
   * `'first-seen'`: the first event seen for a key starts it, so a predecessor that
   * arrives after it is acknowledged as stale and never processed.
   */
  start?: number | 'first-seen';
  /**
   * Strict mode with a numeric `start`: a key with no cursor whose events have waited in
   * vain for this long restarts at the lowest waiting event, run with `ctx.gap = true`, so a
   * lost cursor (expired after `stateTtlMs`, evicted, a store restarted without persistence)
   * never stalls a key for good. Its missing predecessors are then stale. Default 1 hour; 0
   * restarts after one hold.
   */
  restartAfterMs?: number;
  /** Where cursors live. Default: the dedupe store when it keeps cursors, else a MemoryStore. */
  store?: OrderStore;
  /** A key's cursor is forgotten after this long without events, in ms. Default 7 days. */
  stateTtlMs?: number;
  /** Safety-net poll while holding, in ms, in case a change notification is missed. Default 1,000. */
  pollMs?: number;
  /**
   * Most events held at once, in total and per key, and the memory they may hold in
   * bytes (an estimate: about 4 KiB per event plus three times its body).
   */
  maxHeld?: number;
  maxHeldPerKey?: number;
  maxHeldBytes?: number;
}

/** What the sequencer decided for one event. */
export type Admission =
  | { run: true; gap: boolean; commit: () => Promise<void>; abort: () => Promise<void> }
  | { run: false };

const STALE: Admission = Object.freeze({ run: false });

/** Keys whose lost-cursor wait is tracked at once, at most. */
const MAX_WAITING_KEYS = 10_000;

/** A held event: its sequence, and how to wake it. */
interface Waiter {
  sequence: number;
  wake: () => void;
}
const DAY_MS = 24 * 60 * 60 * 1000;
const nothing = async () => {};

/**
 * Retry-After for a gap or a full hold: the hold time in whole seconds, at least 1.
 * Not capped at a minute like dedupe's retryAfterSeconds: the wait is the operator's
 * own holdMs (documented as the Retry-After), and a retry sooner than one hold would
 * mostly meet the same gap, or the same full hold, again.
 */
function holdRetryAfterSeconds(holdMs: number): number {
  return Math.max(1, Math.ceil(holdMs / 1000));
}

/**
 * Puts events in order per key. Cursors live in the store (shared by every
 * process); waiting happens here, woken by the store's change notifications
 * and by this process's own advances, with a slow poll as the safety net.
 */
export class Sequencer {
  readonly holdMs: number;
  readonly #store: OrderStore;
  readonly #mode: 'strict' | 'latest';

  get mode(): 'strict' | 'latest' {
    return this.#mode;
  }
  readonly #onGap: 'retry' | 'deliver';
  readonly #start: number | 'first-seen';
  readonly #ttlMs: number;
  readonly #pollMs: number;
  readonly #limits: { total: number; perKey: number; bytes: number };
  readonly #waiters = new Map<string, Set<Waiter>>();
  /** The sequences held right now, per key. */
  readonly #heldSequences = new Map<string, number[]>();
  #heldTotal = 0;
  #heldBytes = 0;
  #subscription: Promise<(() => MaybePromise<void>) | undefined> | undefined;
  #subscribeFailedAt = Number.NEGATIVE_INFINITY;
  /** Keys without a cursor whose events wait in vain: since when (see #mayRestart). */
  readonly #waitingSince = new Map<string, number>();
  readonly #restartAfterMs: number;

  constructor(options: OrderOptions<never>, store: OrderStore) {
    if (typeof options.key !== 'function' || typeof options.sequence !== 'function') {
      throw configError('order: key and sequence functions are required');
    }
    this.#store = store;
    this.#mode = options.mode ?? 'strict';
    if (this.#mode !== 'strict' && this.#mode !== 'latest') throw configError('order.mode must be strict or latest');
    this.#onGap = options.onGap ?? 'retry';
    if (this.#mode === 'strict' && options.start === undefined) {
      throw configError(
        "order.start is required in strict mode: the first sequence of a new key (e.g. 1), or 'first-seen' to let " +
          'the first event seen start the key (its predecessors arriving later are then acknowledged, never processed)',
      );
    }
    this.#start = options.start ?? 'first-seen';
    if (this.#start !== 'first-seen' && !Number.isSafeInteger(this.#start)) {
      throw configError('order.start must be an integer or "first-seen"');
    }
    this.holdMs = positiveOption(options.holdMs, 5_000, 'order.holdMs');
    this.#restartAfterMs = options.restartAfterMs ?? 60 * 60 * 1000;
    if (!Number.isFinite(this.#restartAfterMs) || this.#restartAfterMs < 0) {
      throw configError('order.restartAfterMs must be a non-negative number of milliseconds');
    }
    this.#ttlMs = positiveOption(options.stateTtlMs, 7 * DAY_MS, 'order.stateTtlMs');
    this.#pollMs = positiveOption(options.pollMs, 1_000, 'order.pollMs');
    this.#limits = {
      total: positiveOption(options.maxHeld, 1_000, 'order.maxHeld'),
      perKey: positiveOption(options.maxHeldPerKey, 100, 'order.maxHeldPerKey'),
      bytes: positiveOption(options.maxHeldBytes, 32 * 1024 * 1024, 'order.maxHeldBytes'),
    };
  }

  /** Strict needs integers, latest any finite number. */
  isValidSequence(sequence: unknown): sequence is number {
    return this.#mode === 'strict' ? Number.isSafeInteger(sequence) : Number.isFinite(sequence);
  }

  /** Throws 400 unless the sequence suits this mode. */
  checkSequence(sequence: number): void {
    if (!this.isValidSequence(sequence)) {
      throw new HookgateError(
        'invalid_body',
        this.#mode === 'strict' ? 'The ordering sequence must be an integer' : 'The ordering sequence must be a number',
      );
    }
  }

  /** Decides whether the event runs now, waits, or is stale. May hold for up to holdMs. */
  admit(key: string, sequence: number, bytes: number): Promise<Admission> {
    return this.#mode === 'latest' ? this.#admitLatest(key, sequence) : this.#admitStrict(key, sequence, bytes);
  }

  async close(): Promise<void> {
    const unsubscribe = await this.#subscription;
    this.#subscription = undefined;
    await unsubscribe?.();
  }

  async #admitLatest(key: string, sequence: number): Promise<Admission> {
    // Raise first, run second: a concurrent older event sees the newer cursor and is stale.
    const { raised, previous } = await this.#store.raiseCursor(key, sequence, this.#ttlMs);
    // The newest version itself runs again: its first run may have died mid-handler
    // (dedupe already turned away copies of a delivery that completed).
    if (!raised && previous !== sequence) return STALE;
    return {
      run: true,
      gap: false,
      commit: nothing,
      // The handler failed: put the cursor back (unless a newer event moved it), so an older
      // event that arrives before the retry is not turned away for a version never processed.
      abort: async () => {
        if (raised) await this.#store.advanceCursor(key, sequence, previous ?? Number.MIN_SAFE_INTEGER, this.#ttlMs);
      },
    };
  }

  async #admitStrict(key: string, sequence: number, bytes: number): Promise<Admission> {
    let cursor = await this.#store.getCursor(key);
    if (cursor === undefined && this.#start === 'first-seen') {
      // Seed the new key now, not after the handler: its next event must wait for this one.
      const seeded = await this.#store.advanceCursor(key, undefined, sequence - 1, this.#ttlMs);
      cursor = seeded ? sequence - 1 : await this.#store.getCursor(key);
    }
    let verdict = this.#judge(cursor, sequence);
    let restarted = false;
    if (verdict === 'wait') {
      this.#hold(key, sequence, bytes);
      try {
        let deadline = performance.now() + this.holdMs;
        let extended = false;
        this.#subscribe();
        for (;;) {
          while (verdict === 'wait') {
            const remaining = deadline - performance.now();
            if (remaining <= 0) break;
            await this.#waitForChange(key, sequence, Math.min(this.#pollMs, remaining));
            cursor = await this.#store.getCursor(key);
            verdict = this.#judge(cursor, sequence);
          }
          if (verdict !== 'wait' || cursor !== undefined) break;
          const restart = this.#mayRestart(key, sequence);
          if (restart === 'lower-held' && !extended) {
            // The key restarts at a lower event held here, whose hold ends soon: wait for it once more.
            extended = true;
            deadline = performance.now() + this.holdMs;
            continue;
          }
          if (restart === 'now') {
            restarted = await this.#store.advanceCursor(key, undefined, sequence - 1, this.#ttlMs);
            cursor = restarted ? sequence - 1 : await this.#store.getCursor(key);
            verdict = this.#judge(cursor, sequence);
          }
          break;
        }
      } finally {
        this.#unhold(key, sequence, bytes);
      }
    }
    if (verdict !== 'wait') this.#waitingSince.delete(key);
    if (verdict === 'stale') return STALE;
    const gap = verdict === 'wait' || restarted;
    if (verdict === 'wait' && this.#onGap === 'retry') {
      throw new HookgateError('ordering_gap', 'An earlier event for this key has not arrived yet', {
        retryAfter: holdRetryAfterSeconds(this.holdMs),
      });
    }
    const expected = cursor;
    return {
      run: true,
      gap,
      commit: async () => {
        // Only this event's predecessor can be the cursor; if the cursor moved anyway
        // (a gap delivered elsewhere, expiry), never move it backwards.
        const advanced = await this.#store.advanceCursor(key, expected, sequence, this.#ttlMs);
        if (!advanced) await this.#store.raiseCursor(key, sequence, this.#ttlMs);
        this.#wake(key, sequence);
      },
      abort: nothing,
    };
  }

  #judge(cursor: number | undefined, sequence: number): 'run' | 'wait' | 'stale' {
    const last = cursor ?? (this.#start === 'first-seen' ? sequence - 1 : this.#start - 1);
    if (sequence <= last) return 'stale';
    return sequence === last + 1 ? 'run' : 'wait';
  }

  #hold(key: string, sequence: number, bytes: number): void {
    const held = this.#heldSequences.get(key);
    if (
      this.#heldTotal + 1 > this.#limits.total ||
      (held?.length ?? 0) + 1 > this.#limits.perKey ||
      this.#heldBytes + bytes > this.#limits.bytes
    ) {
      throw new HookgateError('ordering_capacity', 'Too many events are waiting for their predecessors', {
        retryAfter: holdRetryAfterSeconds(this.holdMs),
      });
    }
    if (held) held.push(sequence);
    else this.#heldSequences.set(key, [sequence]);
    this.#heldTotal++;
    this.#heldBytes += bytes;
  }

  #unhold(key: string, sequence: number, bytes: number): void {
    const held = this.#heldSequences.get(key);
    const index = held?.indexOf(sequence) ?? -1;
    if (held && index >= 0) held.splice(index, 1);
    if (held?.length === 0) this.#heldSequences.delete(key);
    this.#heldTotal--;
    this.#heldBytes -= bytes;
  }

  /**
   * A held event's hold ran out and its key has no cursor: either the key is new and
   * its first events have not come yet, or its cursor was lost (expired, evicted, a
   * store restart), and then waiting on would stall the key for good. The two look the
   * same; time tells them apart: once the key's events have waited in vain for
   * `restartAfterMs`, the key restarts at the lowest event held for it here.
   */
  #mayRestart(key: string, sequence: number): 'now' | 'lower-held' | 'not-yet' {
    const now = performance.now();
    let since = this.#waitingSince.get(key);
    if (since === undefined) {
      // Bounded: the oldest record goes first (a Map keeps insertion order).
      const oldest = this.#waitingSince.keys().next();
      if (this.#waitingSince.size >= MAX_WAITING_KEYS && !oldest.done) this.#waitingSince.delete(oldest.value);
      since = now;
      this.#waitingSince.set(key, since);
    }
    if (now - since < this.#restartAfterMs) return 'not-yet';
    const held = this.#heldSequences.get(key) ?? [];
    return held.every((other) => other >= sequence) ? 'now' : 'lower-held';
  }

  /**
   * Listens to the store's cursor changes, lazily, the first time anything waits.
   * While it cannot (no pub/sub rights, an outage), the poll alone wakes held
   * events, and a later hold tries again.
   */
  #subscribe(): void {
    const store = this.#store;
    if (this.#subscription || !store.onCursorChange) return;
    // After a failure (no pub/sub rights, an outage), wait a few polls before trying again.
    if (performance.now() - this.#subscribeFailedAt < Math.min(5_000, this.#pollMs * 5)) return;
    const failed = () => {
      this.#subscribeFailedAt = performance.now();
      this.#subscription = undefined;
      return undefined;
    };
    let subscribing: Promise<(() => MaybePromise<void>) | undefined>;
    try {
      // A throw here is a failed subscription like a rejection: the hold goes on, polling.
      subscribing = Promise.resolve(store.onCursorChange((key, cursor) => this.#wake(key, cursor)));
    } catch {
      failed();
      return;
    }
    this.#subscription = subscribing.catch(failed);
  }

  /** Waits until the key's cursor may have reached `sequence - 1`, or `ms` pass. */
  #waitForChange(key: string, sequence: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.#waiters.get(key);
      if (!waiters) {
        waiters = new Set();
        this.#waiters.set(key, waiters);
      }
      const set = waiters;
      const waiter: Waiter = {
        sequence,
        wake: () => {
          clearTimeout(timer);
          set.delete(waiter);
          if (set.size === 0 && this.#waiters.get(key) === set) this.#waiters.delete(key);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, ms);
      set.add(waiter);
    });
  }

  /**
   * The key's cursor is now `cursor`: wake the event it lets run (and any it
   * made stale), not every waiter, so a long queue drains in linear time.
   */
  #wake(key: string, cursor: number): void {
    const waiters = this.#waiters.get(key);
    if (!waiters) return;
    for (const waiter of [...waiters]) if (waiter.sequence <= cursor + 1) waiter.wake();
  }

  /** Events waiting right now (for tests and metrics). */
  get held(): { count: number; bytes: number } {
    return { count: this.#heldTotal, bytes: this.#heldBytes };
  }
}
