import { configError } from '../errors.js';
import {
  type DeliveryLog,
  type LogEntry,
  type LogPage,
  type LogQuery,
  matchesQuery,
  resolveQuery,
  timePart,
} from './log.js';

export interface MemoryDeliveryLogOptions {
  /** Most entries kept; the oldest go first. Default 1,000. */
  maxEntries?: number;
  /** Most captured body bytes kept in all; past it the oldest entries go. Default 16 MiB. */
  maxCapturedBytes?: number;
  /** How long an entry is kept, in ms. Default 7 days. */
  ttlMs?: number;
  /** The clock, in ms since the epoch. Default Date.now. */
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function positive(value: number, what: string, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw configError(`MemoryDeliveryLog ${what} must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return value;
}

/**
 * The delivery log in this process's memory: a bounded ring (by entries and by
 * captured bytes), newest kept. For one process and for tests; several
 * processes share a `RedisDeliveryLog` from `@hookgate/redis`.
 */
export class MemoryDeliveryLog implements DeliveryLog {
  readonly maxEntries: number;
  readonly maxCapturedBytes: number;
  readonly ttlMs: number;
  readonly #now: () => number;
  /** In append order: the first is the oldest kept. */
  readonly #entries = new Map<string, LogEntry>();
  /** Entries per dedupe key among those kept, for `attempts`. */
  readonly #attempts = new Map<string, number>();
  #capturedBytes = 0;

  constructor(options: MemoryDeliveryLogOptions = {}) {
    this.maxEntries = positive(options.maxEntries ?? 1_000, 'maxEntries', true);
    this.maxCapturedBytes = positive(options.maxCapturedBytes ?? 16 * 1024 * 1024, 'maxCapturedBytes', true);
    this.ttlMs = positive(options.ttlMs ?? 7 * DAY_MS, 'ttlMs', false);
    this.#now = options.now ?? Date.now;
  }

  append(entry: LogEntry): void {
    if (this.#entries.has(entry.key)) return;
    let attempts: number | undefined;
    if (entry.dedupeKey !== undefined) {
      attempts = (this.#attempts.get(entry.dedupeKey) ?? 0) + 1;
      this.#attempts.set(entry.dedupeKey, attempts);
    }
    const stored: LogEntry = { ...entry, attempts, captured: entry.capture !== undefined };
    this.#entries.set(entry.key, stored);
    this.#capturedBytes += stored.capture?.body.length ?? 0;
    while (this.#entries.size > this.maxEntries || this.#capturedBytes > this.maxCapturedBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#forget(oldest.value);
    }
  }

  list(query: LogQuery = {}): LogPage {
    const resolved = resolveQuery(query);
    const oldestKept = timePart(this.#now() - this.ttlMs);
    const keys = [...this.#entries.keys()].sort().reverse();
    const entries: LogEntry[] = [];
    let last: string | undefined;
    for (const key of keys) {
      if (resolved.before !== undefined && key >= resolved.before) continue;
      if (key < oldestKept || (resolved.from !== undefined && key < resolved.from)) break;
      const entry = this.#entries.get(key);
      if (entry === undefined || !this.#live(entry) || !matchesQuery(entry, resolved)) continue;
      if (entries.length === resolved.limit) return { entries, cursor: last };
      const { capture: _capture, ...summary } = entry;
      entries.push({ ...summary, capture: undefined });
      last = key;
    }
    return { entries, cursor: undefined };
  }

  get(key: string): LogEntry | undefined {
    const entry = this.#entries.get(key);
    return entry && this.#live(entry) ? entry : undefined;
  }

  #live(entry: LogEntry): boolean {
    return entry.receivedAt >= this.#now() - this.ttlMs;
  }

  #forget(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#capturedBytes -= entry.capture?.body.length ?? 0;
    if (entry.dedupeKey === undefined) return;
    const count = (this.#attempts.get(entry.dedupeKey) ?? 1) - 1;
    if (count <= 0) this.#attempts.delete(entry.dedupeKey);
    else this.#attempts.set(entry.dedupeKey, count);
  }
}
