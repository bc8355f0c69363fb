import { configError } from '../errors.js';
import { isBound, MAX_KEYS, RecencyMap } from './recency-map.js';
import type { ClaimResult, CursorListener, DedupeStore, OrderStore } from './store.js';

export interface MemoryStoreOptions {
  /** Most keys remembered at once; the least recently used go first. Default 100,000; at most 16,777,216. */
  maxEntries?: number;
  /** Most ordering keys whose cursor is remembered at once; the least recently used go first. Default 100,000; at most 16,777,216. */
  maxCursors?: number;
}

/** A claim being processed: its owner and when its lease ends. */
interface Claim {
  token: string;
  until: number;
}

/**
 * A processed key is remembered as just the end of its window: a whole number of
 * milliseconds on the store's clock, which V8 keeps inline (no object per id).
 */
type Entry = number | Claim;

/** An ordering key's cursor and when it expires. */
interface Cursor {
  cursor: number;
  until: number;
}

const IS_DONE: ClaimResult = Object.freeze({ status: 'done' });

function boundOption(value: number, what: string): number {
  if (!isBound(value)) {
    throw configError(`MemoryStore ${what} must be a whole number from 1 to ${MAX_KEYS.toLocaleString('en-US')}`);
  }
  return value;
}

const entryDeadline = (entry: Entry) => (typeof entry === 'number' ? entry : entry.until);
const cursorDeadline = (entry: Cursor) => entry.until;

/**
 * In-process dedupe and ordering state, bounded in size. Right for one
 * process; several processes need a shared store such as `@hookgate/redis`.
 */
export class MemoryStore implements DedupeStore, OrderStore {
  readonly #entries: RecencyMap<Entry>;
  readonly #cursors: RecencyMap<Cursor>;
  readonly #listeners = new Set<CursorListener>();
  /** Monotonic, and near zero so deadlines stay small integers. */
  readonly #epoch = performance.now();
  /** Tokens only need to be unique within this store. */
  #claims = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#entries = new RecencyMap(boundOption(options.maxEntries ?? 100_000, 'maxEntries'), entryDeadline);
    this.#cursors = new RecencyMap(boundOption(options.maxCursors ?? 100_000, 'maxCursors'), cursorDeadline);
  }

  /** Milliseconds on the store's clock (fractional). */
  #now(): number {
    return performance.now() - this.#epoch;
  }

  claim(key: string, leaseMs: number): ClaimResult {
    const now = this.#now();
    const entry = this.#entries.get(key, now);
    if (entry !== undefined) this.#entries.touch(key, entry);
    if (typeof entry === 'number') return IS_DONE;
    if (entry !== undefined) return { status: 'in-flight', retryAfterMs: entry.until - now };
    const token = String(++this.#claims);
    this.#entries.add(key, { token, until: now + leaseMs });
    return { status: 'claimed', token };
  }

  complete(key: string, token: string, ttlMs: number): boolean {
    const now = this.#now();
    const entry = this.#entries.get(key, now);
    // Rounded up: a window may end a moment late, never early.
    const until = Math.ceil(now + ttlMs);
    if (entry === undefined) {
      // The claim's lease ran out (or it was evicted) and nobody claimed the key since.
      this.#entries.add(key, until);
      return true;
    }
    if (typeof entry === 'number' || entry.token !== token) return false;
    // Updated in place: the key keeps the place its claim took a moment ago.
    this.#entries.replace(key, until);
    return true;
  }

  release(key: string, token: string): boolean {
    const entry = this.#entries.get(key, this.#now());
    if (typeof entry !== 'object' || entry.token !== token) return false;
    this.#entries.delete(key);
    return true;
  }

  renew(key: string, token: string, leaseMs: number): boolean {
    const now = this.#now();
    const entry = this.#entries.get(key, now);
    if (entry === undefined) {
      this.#entries.add(key, { token, until: now + leaseMs });
      return true;
    }
    if (typeof entry === 'number' || entry.token !== token) return false;
    entry.until = now + leaseMs;
    // A claim in use is the last one eviction should take.
    this.#entries.touch(key, entry);
    return true;
  }

  getCursor(key: string): number | undefined {
    const entry = this.#cursors.get(key, this.#now());
    if (entry === undefined) return undefined;
    this.#cursors.touch(key, entry);
    return entry.cursor;
  }

  advanceCursor(key: string, expected: number | undefined, next: number, ttlMs: number): boolean {
    const now = this.#now();
    const entry = this.#cursors.get(key, now);
    if (entry?.cursor !== expected) return false;
    this.#setCursor(key, entry, next, Math.ceil(now + ttlMs));
    return true;
  }

  raiseCursor(key: string, next: number, ttlMs: number): { raised: boolean; previous: number | undefined } {
    const now = this.#now();
    const entry = this.#cursors.get(key, now);
    const previous = entry?.cursor;
    if (previous !== undefined && previous >= next) return { raised: false, previous };
    this.#setCursor(key, entry, next, Math.ceil(now + ttlMs));
    return { raised: true, previous };
  }

  onCursorChange(listener: CursorListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #setCursor(key: string, entry: Cursor | undefined, cursor: number, until: number): void {
    if (entry === undefined) {
      this.#cursors.add(key, { cursor, until });
    } else {
      entry.cursor = cursor;
      entry.until = until;
      this.#cursors.touch(key, entry);
    }
    for (const listener of this.#listeners) {
      try {
        listener(key, cursor);
      } catch {
        // A listener's failure must not undo or block the advance.
      }
    }
  }

  /** How many keys are remembered (claims and completed deliveries). */
  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
    this.#cursors.clear();
  }
}
