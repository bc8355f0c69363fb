import { configError, HookgateError, positiveOption } from './errors.js';
import { type Linkable, LinkedSet } from './linked-set.js';
import { isThenable, type Settled, settle, type Thenable } from './maybe-promise.js';
import { MemoryStore } from './stores/memory-store.js';
import { type ClaimResult, type DedupeStore, failureReasonOf } from './stores/store.js';
import type { DeliveryContext, MaybePromise } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const STORE_RETRY_AFTER = 5;

export interface DedupeOptions {
  /** Where claims and processed ids live. Default: a new MemoryStore. */
  store?: DedupeStore;
  /**
   * The dedupe key for a delivery. Default: `<scheme>:<delivery id>`.
   * Return undefined to process that delivery without dedupe.
   */
  key?: (event: unknown, ctx: DeliveryContext) => string | undefined;
  /** How long a claim holds while its handler runs (and while an ordered event waits). Default 60 s. */
  leaseMs?: number;
  /** How long a processed id is remembered: the senders' retry horizon. Default 3 days. */
  ttlMs?: number;
  /** Process without dedupe when the store fails, instead of answering 503. Default false. */
  failOpen?: boolean;
}

/** Where failures that do not change the answer go (the receiver's onError hooks). */
export type Report = (error: unknown, ctx: DeliveryContext | undefined) => void;

/** Seconds for Retry-After: whole, at least 1, at most a minute. */
export function retryAfterSeconds(ms: number | undefined, fallback: number): number {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return fallback;
  return Math.min(60, Math.max(1, Math.ceil(ms / 1000)));
}

export function storeUnavailable(what: 'dedupe' | 'ordering', cause: unknown): HookgateError {
  return new HookgateError('store_unavailable', `The ${what} store is unavailable (${failureReasonOf(cause)})`, {
    retryAfter: STORE_RETRY_AFTER,
    cause,
  });
}

function isDedupeStore(value: unknown): value is DedupeStore {
  const store = value as Partial<DedupeStore> | null | undefined;
  return (
    typeof store === 'object' &&
    store !== null &&
    typeof store.claim === 'function' &&
    typeof store.complete === 'function' &&
    typeof store.release === 'function'
  );
}

/** A claim this process holds on a delivery while it processes it. */
export class Lease implements Linkable<Lease> {
  // Links in the renewal list (Dedupe's LinkedSet of leases kept alive).
  linkedBefore: Lease | undefined = undefined;
  linkedAfter: Lease | undefined = undefined;
  linked = false;
  /** A renewal the store has not answered yet: complete and release wait for it. */
  #renewing: Promise<void> | undefined;
  #ended = false;

  constructor(
    private readonly dedupe: Dedupe,
    readonly key: string,
    readonly token: string,
    public ctx: DeliveryContext,
  ) {}

  /**
   * Keeps the claim alive while the delivery waits (an ordering hold) or its handler
   * runs: renewed every third of `leaseMs`, so a handler slower than the lease is not
   * run again by a retry. A store without `renew` keeps a fixed lease.
   */
  keepAlive(): void {
    if (!this.#ended) this.dedupe.keepAlive(this);
  }

  /** Called by the renewal ticker. */
  renew(): void {
    if (this.#ended || this.#renewing) return;
    const { store, leaseMs } = this.dedupe;
    const answer = settle(() => store.renew?.(this.key, this.token, leaseMs) ?? true);
    const check = (settled: Settled<boolean>) => {
      // A failed renewal is tried again at the next tick; a refused one means the claim is gone.
      if (settled.failed || settled.value || this.#ended) return;
      this.dedupe.forget(this);
      this.dedupe.report(
        new HookgateError('lease_lost', 'The dedupe claim was lost while the handler ran: another copy may run'),
        this.ctx,
      );
    };
    if (!isThenable(answer)) {
      check(answer);
      return;
    }
    this.#renewing = Promise.resolve(answer).then((settled) => {
      this.#renewing = undefined;
      check(settled);
    });
  }

  /**
   * Marks the delivery processed. The answer already stands, so a failure here is
   * reported, not returned. Returns a promise only when the store answers with one.
   */
  complete(): Promise<void> | undefined {
    return this.#end('complete');
  }

  /** Forgets the claim so the sender's retry is processed. */
  release(): Promise<void> | undefined {
    return this.#end('release');
  }

  /** Stops renewing and, once no renewal is in flight (it could take the key back), settles the claim. */
  #end(action: 'complete' | 'release'): Promise<void> | undefined {
    this.#ended = true;
    this.dedupe.forget(this);
    const renewing = this.#renewing;
    if (renewing) return renewing.then(() => this.#settle(action));
    return this.#settle(action);
  }

  // No closure and no result object while the store answers at once: this runs for every delivery.
  #settle(action: 'complete' | 'release'): Promise<void> | undefined {
    const { store, ttlMs } = this.dedupe;
    let answer: MaybePromise<boolean>;
    let pending: boolean;
    try {
      answer =
        action === 'complete' ? store.complete(this.key, this.token, ttlMs) : store.release(this.key, this.token);
      pending = isThenable(answer);
    } catch (cause) {
      this.#failed(action, cause);
      return undefined;
    }
    if (!pending) {
      this.#settled(answer as boolean);
      return undefined;
    }
    return Promise.resolve(answer).then(
      (held) => this.#settled(held),
      (cause: unknown) => this.#failed(action, cause),
    );
  }

  #settled(held: boolean): void {
    // Someone else holds the key now (the lease ran out and another copy claimed it), or it is done.
    if (held) return;
    this.dedupe.report(
      new HookgateError('lease_lost', 'The dedupe claim was taken over before the delivery finished'),
      this.ctx,
    );
  }

  #failed(action: 'complete' | 'release', cause: unknown): void {
    const failure =
      action === 'complete'
        ? 'The dedupe store failed to mark the delivery processed'
        : 'The dedupe store failed to release the claim';
    this.dedupe.report(new HookgateError('store_unavailable', failure, { cause }), this.ctx);
  }
}

/** A claim's outcome: held, a duplicate of a processed delivery, or none (failing open). */
export type ClaimOutcome = Lease | 'duplicate' | undefined;

/** Dedupe: who may process a delivery, and remembering that it was. */
export class Dedupe {
  readonly store: DedupeStore;
  readonly leaseMs: number;
  readonly ttlMs: number;
  readonly failOpen: boolean;
  readonly #key: DedupeOptions['key'];
  readonly #scheme: string;
  /** Leases being kept alive, and one ticker for all of them (a timer per delivery would cost more). */
  readonly #alive = new LinkedSet<Lease>();
  #ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    options: DedupeOptions,
    scheme: string,
    readonly report: Report,
  ) {
    if (options.store !== undefined && !isDedupeStore(options.store)) {
      throw configError(
        'dedupe.store must be a store object with claim, complete and release (e.g. new MemoryStore() or new RedisStore({ client })), not ' +
          (typeof options.store === 'string' ? 'a string' : typeof options.store),
      );
    }
    if (options.key !== undefined && typeof options.key !== 'function') {
      throw configError('dedupe.key must be a function (event, ctx) => string | undefined');
    }
    this.store = options.store ?? new MemoryStore();
    this.#key = options.key;
    this.#scheme = scheme;
    this.leaseMs = positiveOption(options.leaseMs, 60_000, 'dedupe.leaseMs');
    this.ttlMs = positiveOption(options.ttlMs, 3 * DAY_MS, 'dedupe.ttlMs');
    this.failOpen = options.failOpen ?? false;
  }

  /**
   * The dedupe key, or undefined for no dedupe (an empty key would merge unrelated
   * deliveries). For an event that failed its schema, a custom key function may not
   * understand it: its throw then means no key, so the answer stays the 400.
   */
  keyFor(event: unknown, ctx: DeliveryContext, unvalidated: boolean): string | undefined {
    // Joined, not concatenated: one flat string. A concatenation stays a rope, and every
    // charCodeAt the MemoryStore makes on it (it hashes and copies each character) goes
    // through the rope first: ~1k instructions a delivery against the join's ~0.6k.
    if (this.#key === undefined) return ctx.id ? [this.#scheme, ctx.id].join(':') : undefined;
    if (!unvalidated) return this.#key(event, ctx) || undefined;
    try {
      return this.#key(event, ctx) || undefined;
    } catch {
      return undefined;
    }
  }

  /** Whether the store can renew a claim (else a claim is a fixed lease). */
  get renews(): boolean {
    return typeof this.store.renew === 'function';
  }

  keepAlive(lease: Lease): void {
    if (!this.renews) return;
    this.#alive.add(lease);
    if (this.#ticker !== undefined) return;
    this.#ticker = setInterval(
      () => {
        for (const alive of this.#alive.snapshot()) alive.renew();
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    // Renewing is no reason to keep a process alive.
    this.#ticker.unref?.();
  }

  forget(lease: Lease): void {
    if (!this.#alive.delete(lease) || this.#alive.size > 0 || this.#ticker === undefined) return;
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  /** Claims the key. Throws 409 while another copy runs, 503 when the store fails (unless failing open). */
  claim(key: string, ctx: DeliveryContext): MaybePromise<ClaimOutcome> {
    let answer: MaybePromise<ClaimResult>;
    let pending: boolean;
    try {
      answer = this.store.claim(key, this.leaseMs);
      // Reading `then` can throw too (a getter, a Proxy): that is the store failing. Written
      // out, not isThenable: this runs for every delivery (see Thenable).
      pending = typeof (answer as Thenable)?.then === 'function';
    } catch (cause) {
      return this.#unavailable(cause);
    }
    if (!pending) return this.#claimed(key, answer as ClaimResult, ctx);
    return Promise.resolve(answer).then(
      (result) => this.#claimed(key, result, ctx),
      (cause: unknown) => this.#unavailable(cause),
    );
  }

  #unavailable(cause: unknown): undefined {
    if (this.failOpen) return undefined;
    throw storeUnavailable('dedupe', cause);
  }

  #claimed(key: string, result: ClaimResult, ctx: DeliveryContext): ClaimOutcome {
    if (result.status === 'claimed') return new Lease(this, key, result.token, ctx);
    if (result.status === 'done') return 'duplicate';
    throw new HookgateError('delivery_in_flight', 'This delivery is being processed right now', {
      retryAfter: retryAfterSeconds(result.retryAfterMs, 5),
    });
  }
}
