import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { configError } from '../errors.js';
import type { ClaimResult, CursorListener, DedupeStore, OrderStore } from './store.js';

export interface MemoryStoreOptions {
  /** Most keys remembered at once; the least recently used go first. Default 100,000. */
  maxEntries?: number;
  /** Most ordering keys whose cursor is remembered at once. Default 100,000. */
  maxCursors?: number;
}

/** Marks a processed key; shared so a remembered id costs no object of its own. */
const DONE = 0;
type Entry = typeof DONE | string;

const CLAIMED = (token: string): ClaimResult => ({ status: 'claimed', token });
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
  readonly #entries: LRUCache<string, Entry>;
  readonly #cursors: LRUCache<string, number>;
  readonly #listeners = new Set<CursorListener>();

  constructor(options: MemoryStoreOptions = {}) {
    const max = positiveInteger(options.maxEntries ?? 100_000, 'maxEntries');
    this.#entries = new LRUCache<string, Entry>({ max, ttlAutopurge: false });
    const maxCursors = positiveInteger(options.maxCursors ?? 100_000, 'maxCursors');
    this.#cursors = new LRUCache<string, number>({ max: maxCursors, ttlAutopurge: false });
  }

  claim(key: string, leaseMs: number): ClaimResult {
    const entry = this.#entries.get(key);
    if (entry === DONE) return IS_DONE;
    if (entry !== undefined) {
      return { status: 'in-flight', retryAfterMs: this.#entries.getRemainingTTL(key) };
    }
    const token = randomUUID();
    this.#entries.set(key, token, { ttl: leaseMs });
    return CLAIMED(token);
  }

  complete(key: string, token: string, ttlMs: number): boolean {
    if (this.#entries.get(key) !== token) return false;
    this.#entries.set(key, DONE, { ttl: ttlMs });
    return true;
  }

  release(key: string, token: string): boolean {
    if (this.#entries.get(key) !== token) return false;
    this.#entries.delete(key);
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
    this.#cursors.clear();
  }
}
