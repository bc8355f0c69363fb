import { configError } from '../errors.js';
import { isBound, MAX_KEYS, RecencyMap } from './recency-map.js';
import type { ClaimResult, CursorListener, DedupeStore, OrderStore } from './store.js';

export interface MemoryStoreOptions {
  /** Most keys remembered at once; the least recently used go first. Default 100,000; at most 16,777,216. */
  maxEntries?: number;
  /** Most ordering keys whose cursor is remembered at once; the least recently used go first. Default 100,000; at most 16,777,216. */
  maxCursors?: number;
}

/** A processed key's value: all that matters of it is its deadline, the end of its window. */
const PROCESSED = 0;

/** A key's value: processed, or the token of the claim being processed (its deadline the lease's end). */
type Entry = string | typeof PROCESSED;

const IS_DONE: ClaimResult = Object.freeze({ status: 'done' });

function boundOption(value: number, what: string): number {
  if (!isBound(value)) {
    throw configError(`MemoryStore ${what} must be a whole number from 1 to ${MAX_KEYS.toLocaleString('en-US')}`);
  }
  return value;
}

/**
 * In-process dedupe and ordering state, bounded in size. Right for one
 * process; several processes need a shared store such as `@hookgate/redis`.
 */
export class MemoryStore implements DedupeStore, OrderStore {
  readonly #entries: RecencyMap<Entry>;
  /** An ordering key's cursor, until it expires. */
  readonly #cursors: RecencyMap<number>;
  readonly #listeners = new Set<CursorListener>();
  /** Monotonic: the wall clock may step. */
  readonly #epoch = performance.now();
  /** Tokens only need to be unique within this store. */
  #claims = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#entries = new RecencyMap(boundOption(options.maxEntries ?? 100_000, 'maxEntries'));
    this.#cursors = new RecencyMap(boundOption(options.maxCursors ?? 100_000, 'maxCursors'));
  }

  /** Milliseconds on the store's clock (fractional). */
  #now(): number {
    return performance.now() - this.#epoch;
  }

  claim(key: string, leaseMs: number): ClaimResult {
    const now = this.#now();
    const entries = this.#entries;
    const entry = entries.get(key, now);
    if (entry !== undefined) entries.markUsed(key);
    if (entry === PROCESSED) return IS_DONE;
    if (entry !== undefined) return { status: 'in-flight', retryAfterMs: (entries.deadline(key) as number) - now };
    const token = String(++this.#claims);
    entries.add(key, token, now + leaseMs);
    return { status: 'claimed', token };
  }

  complete(key: string, token: string, ttlMs: number): boolean {
    const now = this.#now();
    const entry = this.#entries.get(key, now);
    if (entry === undefined) {
      // The claim's lease ran out (or it was evicted) and nobody claimed the key since.
      this.#entries.add(key, PROCESSED, now + ttlMs);
      return true;
    }
    if (entry !== token) return false;
    // Updated in place: the key keeps the place its claim took a moment ago.
    this.#entries.replace(key, PROCESSED, now + ttlMs);
    return true;
  }

  release(key: string, token: string): boolean {
    const entry = this.#entries.get(key, this.#now());
    if (typeof entry !== 'string' || entry !== token) return false;
    this.#entries.delete(key);
    return true;
  }

  renew(key: string, token: string, leaseMs: number): boolean {
    const now = this.#now();
    const entry = this.#entries.get(key, now);
    if (entry !== undefined && entry !== token) return false;
    // A claim in use is the last one eviction should take (one whose lease ran out is taken again).
    this.#entries.touch(key, token, now + leaseMs);
    return true;
  }

  getCursor(key: string): number | undefined {
    const cursor = this.#cursors.get(key, this.#now());
    if (cursor !== undefined) this.#cursors.markUsed(key);
    return cursor;
  }

  advanceCursor(key: string, expected: number | undefined, next: number, ttlMs: number): boolean {
    const now = this.#now();
    if (this.#cursors.get(key, now) !== expected) return false;
    this.#setCursor(key, next, now + ttlMs);
    return true;
  }

  raiseCursor(key: string, next: number, ttlMs: number): { raised: boolean; previous: number | undefined } {
    const now = this.#now();
    const previous = this.#cursors.get(key, now);
    if (previous !== undefined && previous >= next) return { raised: false, previous };
    this.#setCursor(key, next, now + ttlMs);
    return { raised: true, previous };
  }

  onCursorChange(listener: CursorListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #setCursor(key: string, cursor: number, until: number): void {
    this.#cursors.touch(key, cursor, until);
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
