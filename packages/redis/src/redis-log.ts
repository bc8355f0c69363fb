import type { DeliveryLog, LogEntry, LogPage, LogQuery, StoreFailureDetails } from '@hookgate/core';
import {
  captureToJSON,
  entryFromJSON,
  entryToJSON,
  HookgateError,
  isEntryKey,
  matchesQuery,
  resolveQuery,
  STORE_FAILURES,
  timePart,
} from '@hookgate/core';
import { type RedisClientLike, type SendCommand, sendCommandOf } from './client.js';
import { failureOf, type RedisFailure, timeoutFailure } from './failure.js';
import { DEFAULT_PREFIX } from './keys.js';
import { LOG_APPEND, type Script } from './scripts.js';

const DAY_MS = 24 * 60 * 60 * 1000;

interface RedisDeliveryLogCommonOptions {
  /** Put before every key; the same prefix as the app's RedisStore is fine. Default `hookgate:`. */
  prefix?: string;
  /** Most entries kept; the oldest go first. Default 10,000. */
  maxEntries?: number;
  /** How long an entry is kept, in ms. Default 7 days. */
  ttlMs?: number;
  /** Longest wait for Redis on one call, in ms. Default 1000. */
  commandTimeoutMs?: number;
}

export type RedisDeliveryLogOptions = RedisDeliveryLogCommonOptions &
  (
    | {
        /** An ioredis v5/v6 client (Redis or Cluster) or a node-redis v4–v6 client the app already has. */
        client: RedisClientLike;
        sendCommand?: never;
      }
    | {
        /** Sends one command and resolves with its reply. */
        sendCommand: SendCommand;
        client?: never;
      }
  );

/**
 * Redis failed or did not answer in time; no key, entry or payload in the message.
 * `storeReason` is the failure in core's STORE_FAILURES words, as RedisStore's.
 */
export class RedisDeliveryLogError extends Error implements StoreFailureDetails {
  override readonly name = 'RedisDeliveryLogError';
  readonly reason: 'timeout' | 'error';
  readonly storeReason: string;

  constructor(
    reason: RedisDeliveryLogError['reason'],
    message: string,
    cause?: unknown,
    storeReason = reason === 'timeout' ? STORE_FAILURES.timedOut : failureOf(cause).storeReason,
  ) {
    super(`RedisDeliveryLog: ${message}`, cause === undefined ? undefined : { cause });
    this.reason = reason;
    this.storeReason = storeReason;
  }
}

function logError(reason: RedisDeliveryLogError['reason'], failure: RedisFailure, cause?: unknown) {
  return new RedisDeliveryLogError(reason, failure.account, cause, failure.storeReason);
}

function configError(message: string): HookgateError {
  return new HookgateError('invalid_configuration', `RedisDeliveryLog: ${message}`);
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isFinite(value) || value <= 0) throw configError(`${what} must be a positive number`);
  return Math.ceil(value);
}

/** Entry keys read per round trip while listing, and the most read for one page. */
const LIST_BATCH = 200;
const LIST_BUDGET = 10_000;

/**
 * The delivery log in Redis, shared by every receiver process (and read by the
 * `hookgate` CLI and inspector). An append is one round trip (one script): the
 * entry, its attempt count, both indexes, and trimming by time and by size.
 * Every key carries the hash tag `{log}`, so it is Cluster-safe (the whole log
 * lives on one shard). Entries expire after `ttlMs`; at most `maxEntries` are kept.
 *
 *   new RedisDeliveryLog({ client: new Redis(url) })
 */
export class RedisDeliveryLog implements DeliveryLog {
  readonly prefix: string;
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly commandTimeoutMs: number;
  readonly #send: SendCommand;
  readonly #base: string;

  constructor(options: RedisDeliveryLogOptions) {
    if (options === null || typeof options !== 'object') throw configError('pass { client } or { sendCommand }');
    if (options.client !== undefined && options.sendCommand !== undefined) {
      throw configError('pass either client or sendCommand, not both');
    }
    if (typeof options.sendCommand === 'function') {
      this.#send = options.sendCommand;
    } else if (options.client !== undefined && options.client !== null) {
      try {
        this.#send = sendCommandOf(options.client);
      } catch (error) {
        throw configError((error as Error).message);
      }
    } else {
      throw configError('pass { client } or { sendCommand }');
    }
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string') throw configError('prefix must be a string');
    this.prefix = prefix;
    this.maxEntries = positiveInteger(options.maxEntries ?? 10_000, 'maxEntries');
    this.ttlMs = positiveInteger(options.ttlMs ?? 7 * DAY_MS, 'ttlMs');
    this.commandTimeoutMs = positiveInteger(options.commandTimeoutMs ?? 1000, 'commandTimeoutMs');
    this.#base = `${prefix}log:{log}:`;
  }

  async append(entry: LogEntry): Promise<void> {
    if (!isEntryKey(entry.key)) throw configError('an entry key must come from newEntryKey');
    const { attempts: _attempts, ...meta } = entryToJSON({ ...entry, captured: entry.capture !== undefined });
    const json = JSON.stringify(meta);
    const capture = entry.capture === undefined ? '' : JSON.stringify(captureToJSON(entry.capture));
    const keys = [
      `${this.#base}index`,
      `${this.#base}o:${entry.outcome}`,
      `${this.#base}e:${entry.key}`,
      `${this.#base}c:${entry.key}`,
      `${this.#base}a:${entry.dedupeKey ?? ''}`,
    ];
    const args = [
      entry.key,
      json.slice(0, -1),
      capture,
      String(this.ttlMs),
      `${timePart(Date.now() - this.ttlMs)}`,
      String(this.maxEntries),
      entry.dedupeKey === undefined ? '0' : '1',
      this.#base,
    ];
    await this.#bounded(this.#eval(LOG_APPEND, keys, args));
  }

  async get(key: string): Promise<LogEntry | undefined> {
    if (!isEntryKey(key)) return undefined;
    const reply = await this.#bounded(this.#send(['MGET', `${this.#base}e:${key}`, `${this.#base}c:${key}`]));
    if (!Array.isArray(reply)) return undefined;
    const entry = entryFromJSON(text(reply[0]), text(reply[1]));
    return entry && entry.receivedAt >= Date.now() - this.ttlMs ? entry : undefined;
  }

  async list(query: LogQuery = {}): Promise<LogPage> {
    const resolved = resolveQuery(query);
    const outcomes = resolved.outcomes;
    const index = outcomes?.size === 1 ? `o:${[...outcomes][0]}` : 'index';
    const oldest = timePart(Date.now() - this.ttlMs);
    const min = `[${resolved.from !== undefined && resolved.from > oldest ? resolved.from : oldest}`;
    let max = resolved.before === undefined ? '+' : `(${resolved.before}`;
    const entries: LogEntry[] = [];
    let last: string | undefined;
    for (let read = 0; read < LIST_BUDGET; read += LIST_BATCH) {
      const reply = await this.#bounded(
        this.#send(['ZREVRANGEBYLEX', `${this.#base}${index}`, max, min, 'LIMIT', '0', String(LIST_BATCH)]),
      );
      const keys = Array.isArray(reply) ? reply.map(text).filter(isEntryKey) : [];
      if (keys.length === 0) return { entries, cursor: undefined };
      const metas = await this.#bounded(this.#send(['MGET', ...keys.map((key) => `${this.#base}e:${key}`)]));
      for (let position = 0; position < keys.length; position++) {
        const key = keys[position] as string;
        const entry = Array.isArray(metas) ? entryFromJSON(text(metas[position])) : undefined;
        // Gone (expired, trimmed) entries still named by an index are skipped.
        if (entry !== undefined && matchesQuery(entry, resolved)) {
          if (entries.length === resolved.limit) return { entries, cursor: last };
          entries.push(entry);
        }
        last = key;
      }
      if (keys.length < LIST_BATCH) return { entries, cursor: undefined };
      max = `(${last}`;
    }
    // Read as much as one page may: the caller goes on from where this stopped.
    return { entries, cursor: last };
  }

  /** EVALSHA; on NOSCRIPT (a restarted or flushed Redis) EVAL, which caches the script again. */
  async #eval(script: Script, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(script.keys), ...keys, ...args];
    try {
      return await this.#send(['EVALSHA', script.sha1, ...tail]);
    } catch (error) {
      if (!(error instanceof Error && error.message.includes('NOSCRIPT'))) throw error;
      return await this.#send(['EVAL', script.source, ...tail]);
    }
  }

  #bounded(pending: Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(logError('timeout', timeoutFailure(this.commandTimeoutMs))),
        this.commandTimeoutMs,
      );
      timer.unref?.();
      pending.then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(logError('error', failureOf(error), error));
        },
      );
    });
  }
}

/** A reply element as text (clients answer strings or Buffers), or undefined for nil. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
