import { LRUCache } from 'lru-cache';
import { configError } from '../errors.js';
import type { ClaimResult, CursorListener, DedupeStore, OrderStore } from './store.js';

export interface MemoryStoreOptions {
  /** Most keys remembered at once; the least recently used go first. Default 100,000. */
  maxEntries?: number;
  /** Most ordering keys whose cursor is remembered at once. Default 100,000. */
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

const IS_DONE: ClaimResult = Object.freeze({ status: 'done' });

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw configError(`MemoryStore ${what} must be a positive integer`);
  return value;
}

/**
 * In-process dedupe and ordering state, bounded in size. Right for one
 * process; several processes need a shared store such as `@hookgate/redis`.
 */
export class MemoryStore implements DedupeStore, OrderStore {
  /** A Map keeps insertion order: its first key is the least recently used. */
  readonly #entries = new Map<string, Entry>();
  /** Kept from eviction to eviction (see #evictOldest). */
  #oldest: ReturnType<Map<string, Entry>['keys']> | undefined;
  /** Keys removed other than by eviction since #oldest last stepped. */
  #unsteppedDeletes = 0;
  readonly #maxEntries: number;
  readonly #cursors: LRUCache<string, number>;
  readonly #listeners = new Set<CursorListener>();
  /** Monotonic, and near zero so deadlines stay small integers. */
  readonly #epoch = performance.now();
  /** Tokens only need to be unique within this store. */
  #claims = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxEntries = positiveInteger(options.maxEntries ?? 100_000, 'maxEntries');
    const maxCursors = positiveInteger(options.maxCursors ?? 100_000, 'maxCursors');
    this.#cursors = new LRUCache<string, number>({ max: maxCursors, ttlAutopurge: false });
  }

  /** Milliseconds on the store's clock (fractional). */
  #now(): number {
    return performance.now() - this.#epoch;
  }

  /** The live entry for a key; an expired one is forgotten. */
  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if ((typeof entry === 'number' ? entry : entry.until) > now) return entry;
    this.#forget(key);
    return undefined;
  }

  /** Removes a key other than by eviction. */
  #forget(key: string): void {
    this.#entries.delete(key);
    // A live Map iterator keeps every table the Map outgrows or compacts until its next step.
    // Unbounded, deletes that no eviction followed (failing handlers, replayed duplicates)
    // held hundreds of MB (found in review); a quarter of the bound allows about one table.
    if (++this.#unsteppedDeletes > this.#maxEntries >>> 2) this.#oldest = undefined;
  }

  /** A key looked up again becomes the most recently used: moved to the Map's end. */
  #touch(key: string, entry: Entry): void {
    this.#forget(key);
    this.#entries.set(key, entry);
  }

  /** Adds a key that is not in the Map as the most recently used; beyond the bound, the least recently used goes. */
  #add(key: string, entry: Entry): void {
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxEntries) this.#evictOldest();
  }

  /**
   * One iterator lives on from eviction to eviction while only evictions delete:
   * a fresh one walks past every slot already deleted at the Map's front (measured:
   * 10 µs per eviction at 100k keys). Every live key lies ahead of it, since keys are
   * only ever appended (a key used again is moved by delete and append): over the
   * bound there is always one to step to.
   */
  #evictOldest(): void {
    this.#oldest ??= this.#entries.keys();
    const oldest = this.#oldest.next();
    this.#unsteppedDeletes = 0;
    if (!oldest.done) this.#entries.delete(oldest.value);
  }

  claim(key: string, leaseMs: number): ClaimResult {
    const now = this.#now();
    const entry = this.#live(key, now);
    if (entry !== undefined) this.#touch(key, entry);
    if (typeof entry === 'number') return IS_DONE;
    if (entry !== undefined) return { status: 'in-flight', retryAfterMs: entry.until - now };
    const token = String(++this.#claims);
    this.#add(key, { token, until: now + leaseMs });
    return { status: 'claimed', token };
  }

  complete(key: string, token: string, ttlMs: number): boolean {
    const now = this.#now();
    const entry = this.#live(key, now);
    if (typeof entry !== 'object' || entry.token !== token) return false;
    // Updated in place: the key keeps the place its claim took a moment ago.
    // Rounded up: a window may end a moment late, never early.
    this.#entries.set(key, Math.ceil(now + ttlMs));
    return true;
  }

  release(key: string, token: string): boolean {
    const entry = this.#live(key, this.#now());
    if (typeof entry !== 'object' || entry.token !== token) return false;
    this.#forget(key);
    return true;
  }

  getCursor(key: string): number | undefined {
    return this.#cursors.get(key);
  }

  advanceCursor(key: string, expected: number | undefined, next: number, ttlMs: number): boolean {
    if (this.#cursors.get(key) !== expected) return false;
    this.#setCursor(key, next, ttlMs);
    return true;
  }

  raiseCursor(key: string, next: number, ttlMs: number): { raised: boolean; previous: number | undefined } {
    const previous = this.#cursors.get(key);
    if (previous !== undefined && previous >= next) return { raised: false, previous };
    this.#setCursor(key, next, ttlMs);
    return { raised: true, previous };
  }

  onCursorChange(listener: CursorListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #setCursor(key: string, cursor: number, ttlMs: number): void {
    this.#cursors.set(key, cursor, { ttl: ttlMs });
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
    this.#oldest = undefined;
    this.#cursors.clear();
  }
}
