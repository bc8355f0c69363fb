import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { configError } from '../errors.js';
import type { ClaimResult, DedupeStore } from './store.js';

export interface MemoryStoreOptions {
  /** Most keys remembered at once; the least recently used go first. Default 100,000. */
  maxEntries?: number;
}

/** Marks a processed key; shared so a remembered id costs no object of its own. */
const DONE = 0;
type Entry = typeof DONE | string;

const CLAIMED = (token: string): ClaimResult => ({ status: 'claimed', token });
const IS_DONE: ClaimResult = Object.freeze({ status: 'done' });

/**
 * In-process dedupe state, bounded in size. Right for one process; several
 * processes need a shared store such as `@hookgate/redis`.
 */
export class MemoryStore implements DedupeStore {
  readonly #entries: LRUCache<string, Entry>;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) throw configError('MemoryStore maxEntries must be a positive integer');
    this.#entries = new LRUCache<string, Entry>({ max, ttlAutopurge: false });
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

  /** How many keys are remembered (claims and completed deliveries). */
  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
  }
}
