import { randomUUID } from 'node:crypto';
import type { ClaimResult, CursorListener, DedupeStore, OrderStore, StoreFailureDetails } from '@hookgate/core';
import { HookgateError, STORE_FAILURES } from '@hookgate/core';
import {
  type ChannelSubscription,
  type RedisClientLike,
  type SendCommand,
  type Subscribe,
  sendCommandOf,
  subscriberOf,
} from './client.js';
import { failureOf, type RedisFailure, timeoutFailure } from './failure.js';
import { cursorChannelOf, DEFAULT_PREFIX, keyOf } from './keys.js';
import { ADVANCE, CLAIM, CLAIM_REPLY, COMPLETE, RAISE, RELEASE, RENEW, type Script } from './scripts.js';

interface RedisStoreCommonOptions {
  /** Put before every key; give each app (or environment) its own. Default `hookgate:`. */
  prefix?: string;
  /**
   * Longest wait for Redis on one operation, in ms. Past it the operation
   * throws, so the receiver answers 503 (or goes on without dedupe when
   * `failOpen`) instead of hanging. Default 1000.
   */
  commandTimeoutMs?: number;
}

export type RedisStoreOptions = RedisStoreCommonOptions &
  (
    | {
        /** An ioredis v5/v6 client (Redis or Cluster) or a node-redis v4–v6 client or cluster the app already has. */
        client: RedisClientLike;
        sendCommand?: never;
      }
    | {
        /**
         * Sends one command and resolves with its reply, e.g. `(args) => client.sendCommand(args)`.
         * Its second argument is the command's key, for routing on a cluster.
         */
        sendCommand: SendCommand;
        client?: never;
      }
  );

export type RedisStoreOperation =
  | 'claim'
  | 'complete'
  | 'release'
  | 'renew'
  | 'diagnose'
  | 'getCursor'
  | 'advanceCursor'
  | 'raiseCursor'
  | 'subscribe';

/**
 * Redis failed or did not answer in time. The message names the operation and
 * what went wrong (`timed out (Redis did not answer within 1000 ms)`, `connection
 * refused (ECONNREFUSED)`); `storeReason` is the failure in core's STORE_FAILURES
 * words alone (`timed out`, `connection refused`), which the receiver puts in its
 * store_unavailable report; the original error is the `cause`. No host, URL, key,
 * token or payload.
 */
export class RedisStoreError extends Error implements StoreFailureDetails {
  override readonly name = 'RedisStoreError';
  readonly operation: RedisStoreOperation;
  readonly reason: 'timeout' | 'error' | 'unexpected-reply';
  readonly storeReason: string;

  /** `account`: what the message says after the operation; by default the storeReason. */
  constructor(
    operation: RedisStoreOperation,
    reason: RedisStoreError['reason'],
    storeReason: string,
    cause?: unknown,
    account = storeReason,
  ) {
    super(`RedisStore ${operation}: ${account}`, cause === undefined ? undefined : { cause });
    this.operation = operation;
    this.reason = reason;
    this.storeReason = storeReason;
  }
}

const isNoScript = (error: unknown) => error instanceof Error && error.message.includes('NOSCRIPT');

function wholeMs(value: number, what: string): string {
  if (!Number.isFinite(value) || value <= 0) {
    throw new HookgateError('invalid_configuration', `RedisStore: ${what} must be a positive number of ms`);
  }
  return String(Math.ceil(value));
}

/**
 * Dedupe and ordering state in Redis, shared by every receiver process that
 * uses the same Redis and prefix. Each operation is one round trip (a GET, or
 * a small Lua script by EVALSHA); each is bounded by `commandTimeoutMs`.
 *
 *   new RedisStore({ client: new Redis(url) })   // ioredis
 *   new RedisStore({ client: nodeRedisClient })   // node-redis, connected by the app
 */
export class RedisStore implements DedupeStore, OrderStore {
  readonly prefix: string;
  readonly commandTimeoutMs: number;
  /**
   * Hears every cursor change from any process, over one subscriber connection
   * duplicated from the client (opened on first use, closed when the last
   * listener leaves). Absent with a bare `sendCommand`: held events then poll.
   */
  readonly onCursorChange?: (listener: CursorListener) => Promise<() => void>;
  readonly #send: SendCommand;
  readonly #channel: string;
  readonly #listeners = new Set<CursorListener>();
  #subscription: Promise<ChannelSubscription> | undefined;
  #diagnosis: Promise<readonly string[]> | undefined;

  constructor(options: RedisStoreOptions) {
    if (options === null || typeof options !== 'object') {
      throw new HookgateError('invalid_configuration', 'RedisStore: pass { client } or { sendCommand }');
    }
    if (options.client !== undefined && options.sendCommand !== undefined) {
      throw new HookgateError('invalid_configuration', 'RedisStore: pass either client or sendCommand, not both');
    }
    if (options.sendCommand !== undefined) {
      if (typeof options.sendCommand !== 'function') {
        throw new HookgateError('invalid_configuration', 'RedisStore: sendCommand must be a function');
      }
      this.#send = options.sendCommand;
    } else if (options.client !== undefined) {
      try {
        this.#send = sendCommandOf(options.client);
      } catch (error) {
        throw new HookgateError('invalid_configuration', (error as Error).message);
      }
    } else {
      throw new HookgateError('invalid_configuration', 'RedisStore: pass { client } or { sendCommand }');
    }
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string')
      throw new HookgateError('invalid_configuration', 'RedisStore: prefix must be a string');
    this.prefix = prefix;
    this.commandTimeoutMs = Number(wholeMs(options.commandTimeoutMs ?? 1000, 'commandTimeoutMs'));
    this.#channel = cursorChannelOf(prefix);
    const subscribe = subscriberOf(options.client);
    if (subscribe) this.onCursorChange = (listener) => this.#listen(subscribe, listener);
  }

  async getCursor(key: string): Promise<number | undefined> {
    const cursorKey = this.#cursorKey(key);
    const reply = await this.#bounded('getCursor', this.#send(['GET', cursorKey], cursorKey));
    return cursorOf(reply);
  }

  async advanceCursor(key: string, expected: number | undefined, next: number, ttlMs: number): Promise<boolean> {
    const args = [expected === undefined ? '' : String(expected), String(next), wholeMs(ttlMs, 'ttlMs')];
    const reply = await this.#bounded(
      'advanceCursor',
      this.#eval(ADVANCE, this.#cursorKey(key), [...args, this.#channel, key]),
    );
    return Number(reply) === 1;
  }

  async raiseCursor(
    key: string,
    next: number,
    ttlMs: number,
  ): Promise<{ raised: boolean; previous: number | undefined }> {
    const args = [String(next), wholeMs(ttlMs, 'ttlMs'), this.#channel, key];
    const reply = await this.#bounded('raiseCursor', this.#eval(RAISE, this.#cursorKey(key), args));
    if (!Array.isArray(reply)) {
      throw unexpectedReply('raiseCursor');
    }
    return { raised: Number(reply[0]) === 1, previous: cursorOf(reply[1]) };
  }

  async #listen(subscribe: Subscribe, listener: CursorListener): Promise<() => void> {
    this.#listeners.add(listener);
    this.#subscription ??= this.#open(subscribe);
    try {
      await this.#bounded('subscribe', this.#subscription);
    } catch (error) {
      // Timed out or refused: the next listener opens a new subscription, and one
      // that Redis confirms after we gave up is closed (see #closeIfUnused).
      this.#listeners.delete(listener);
      this.#closeIfUnused();
      throw error;
    }
    return () => {
      this.#listeners.delete(listener);
      this.#closeIfUnused();
    };
  }

  #open(subscribe: Subscribe): Promise<ChannelSubscription> {
    const opening = subscribe(this.#channel, (message) => this.#announce(message));
    opening.catch(() => {
      if (this.#subscription === opening) this.#subscription = undefined;
    });
    return opening;
  }

  /** With no listener left, the subscription is closed: now, or as soon as it opens. */
  #closeIfUnused(): void {
    if (this.#listeners.size > 0 || !this.#subscription) return;
    const closing = this.#subscription;
    this.#subscription = undefined;
    closing.then(
      (subscription) => subscription.close(),
      () => {},
    );
  }

  /** `<cursor>:<ordering key>` from the channel, to every listener. */
  #announce(message: string): void {
    const colon = message.indexOf(':');
    const cursor = cursorOf(message.slice(0, colon));
    if (colon < 0 || cursor === undefined) return;
    const key = message.slice(colon + 1);
    for (const listener of this.#listeners) {
      try {
        listener(key, cursor);
      } catch {
        // One listener's failure must not silence the others.
      }
    }
  }

  #cursorKey(key: string): string {
    return keyOf(this.prefix, 'order', key);
  }

  async claim(key: string, leaseMs: number): Promise<ClaimResult> {
    const token = randomUUID();
    const reply = await this.#bounded(
      'claim',
      this.#eval(CLAIM, this.#key(key), [`c:${token}`, wholeMs(leaseMs, 'leaseMs')]),
      // A claim that lands after we gave up would block its key for a whole
      // lease with nobody processing it: give it back as soon as it answers.
      (late) => {
        if (codeOf(late) === CLAIM_REPLY.claimed) this.release(key, token).catch(() => {});
      },
    );
    const code = codeOf(reply);
    if (code === CLAIM_REPLY.claimed) return { status: 'claimed', token };
    if (code === CLAIM_REPLY.done) return { status: 'done' };
    if (code === CLAIM_REPLY.inFlight) {
      const ttl = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
      return { status: 'in-flight', retryAfterMs: ttl > 0 ? ttl : undefined };
    }
    throw unexpectedReply('claim');
  }

  async complete(key: string, token: string, ttlMs: number): Promise<boolean> {
    const reply = await this.#bounded(
      'complete',
      this.#eval(COMPLETE, this.#key(key), [`c:${token}`, wholeMs(ttlMs, 'ttlMs')]),
    );
    return Number(reply) === 1;
  }

  async renew(key: string, token: string, leaseMs: number): Promise<boolean> {
    const reply = await this.#bounded(
      'renew',
      this.#eval(RENEW, this.#key(key), [`c:${token}`, wholeMs(leaseMs, 'leaseMs')]),
    );
    return Number(reply) === 1;
  }

  /**
   * Warns unless Redis' `maxmemory-policy` is `noeviction`: under any other policy a
   * Redis that reaches `maxmemory` evicts keys with a TTL (every hookgate key has
   * one), and a delivery whose dedupe key was evicted is processed again. Checked
   * once (`CONFIG GET`); when Redis refuses CONFIG, says it could not be checked.
   */
  diagnose(): Promise<readonly string[]> {
    this.#diagnosis ??= this.#evictionWarning().then((warning) => (warning === undefined ? [] : [warning]));
    return this.#diagnosis;
  }

  async #evictionWarning(): Promise<string | undefined> {
    const consequence = 'Redis may evict dedupe keys, and a delivery whose key was evicted is processed again';
    let reply: unknown;
    try {
      reply = await this.#bounded('diagnose', this.#send(['CONFIG', 'GET', 'maxmemory-policy']));
    } catch (error) {
      const why = error instanceof RedisStoreError ? error.storeReason : 'failed';
      return `RedisStore: could not check Redis' maxmemory-policy (CONFIG GET: ${why}). Unless it is noeviction, ${consequence}.`;
    }
    const policy = policyOf(reply);
    if (policy === undefined) {
      return `RedisStore: could not check Redis' maxmemory-policy (CONFIG GET gave no policy). Unless it is noeviction, ${consequence}.`;
    }
    if (policy === 'noeviction') return undefined;
    return `RedisStore: Redis' maxmemory-policy is ${policy}, not noeviction: once Redis reaches maxmemory, ${consequence} (every hookgate key has a TTL). Set maxmemory-policy noeviction.`;
  }

  async release(key: string, token: string): Promise<boolean> {
    const reply = await this.#bounded('release', this.#eval(RELEASE, this.#key(key), [`c:${token}`]));
    return Number(reply) === 1;
  }

  #key(key: string): string {
    return keyOf(this.prefix, 'dedupe', key);
  }

  /** EVALSHA; on NOSCRIPT (a restarted or flushed Redis) EVAL, which caches the script again. */
  async #eval(script: Script, key: string, args: string[]): Promise<unknown> {
    const tail = [String(script.keys), key, ...args];
    try {
      return await this.#send(['EVALSHA', script.sha1, ...tail], key);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return await this.#send(['EVAL', script.source, ...tail], key);
    }
  }

  /** Waits at most commandTimeoutMs; errors become RedisStoreError. */
  #bounded(
    operation: RedisStoreOperation,
    pending: Promise<unknown>,
    onLateReply?: (reply: unknown) => void,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        reject(storeError(operation, 'timeout', timeoutFailure(this.commandTimeoutMs)));
      }, this.commandTimeoutMs);
      timer.unref?.();
      pending.then(
        (reply) => {
          clearTimeout(timer);
          if (timedOut) onLateReply?.(reply);
          else resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!timedOut) reject(storeError(operation, 'error', failureOf(error), error));
        },
      );
    });
  }
}

function storeError(
  operation: RedisStoreOperation,
  reason: RedisStoreError['reason'],
  failure: RedisFailure,
  cause?: unknown,
): RedisStoreError {
  return new RedisStoreError(operation, reason, failure.storeReason, cause, failure.account);
}

function unexpectedReply(operation: RedisStoreOperation): RedisStoreError {
  const words = STORE_FAILURES.unexpectedReply;
  return new RedisStoreError(operation, 'unexpected-reply', words, undefined, `${words} from Redis`);
}

/** A cursor as Redis returns it (text, or a Buffer), or undefined for none. */
function cursorOf(reply: unknown): number | undefined {
  if (reply === null || reply === undefined || reply === '') return undefined;
  const value = Number(typeof reply === 'string' ? reply : String(reply));
  return Number.isFinite(value) ? value : undefined;
}

function codeOf(reply: unknown): number | undefined {
  const first = Array.isArray(reply) ? reply[0] : undefined;
  const code = Number(first);
  return Number.isInteger(code) ? code : undefined;
}

/** The policy from CONFIG GET's reply: `[name, value]` (RESP2), or a map or object (RESP3). */
function policyOf(reply: unknown): string | undefined {
  let value: unknown;
  if (Array.isArray(reply)) value = reply[1];
  else if (reply instanceof Map) value = reply.get('maxmemory-policy');
  else if (typeof reply === 'object' && reply !== null) value = (reply as Record<string, unknown>)['maxmemory-policy'];
  const text = value === undefined || value === null ? '' : String(value);
  // A policy is a short lower-case word: anything else is not echoed.
  return /^[a-z][a-z-]{0,39}$/.test(text) ? text : undefined;
}
