/**
 * A Map bounded to `max` keys whose entries expire: beyond the bound, the least
 * recently used key goes. A Map keeps insertion order, and every use moves a key
 * to the end (delete and set again), so its first key is the least recently used.
 * No object per entry beyond the value, no preallocation: it costs what it holds.
 */
export class RecencyMap<V> {
  readonly #entries = new Map<string, V>();
  /** Kept from eviction to eviction (see #evictOldest). */
  #oldest: ReturnType<Map<string, V>['keys']> | undefined;
  /** Keys removed other than by eviction since #oldest last stepped. */
  #unsteppedDeletes = 0;
  /** The key last added or moved, already at the end: using it again moves nothing. */
  #newest: string | undefined;
  readonly #max: number;
  /** When a value stops being live, on the caller's clock. */
  readonly #deadlineOf: (value: V) => number;

  constructor(max: number, deadlineOf: (value: V) => number) {
    this.#max = max;
    this.#deadlineOf = deadlineOf;
  }

  /** The live value for a key at `now`; an expired one is forgotten. */
  get(key: string, now: number): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    if (this.#deadlineOf(value) > now) return value;
    this.delete(key);
    return undefined;
  }

  /** Sets the value of a key in the map and makes it the most recently used. */
  touch(key: string, value: V): void {
    if (key !== this.#newest) {
      this.delete(key);
      this.#newest = key;
    }
    this.#entries.set(key, value);
  }

  /** Adds a key not in the map (`get` just said so) as the most recently used; beyond the bound, the least recently used goes. */
  add(key: string, value: V): void {
    this.#newest = key;
    this.#entries.set(key, value);
    if (this.#entries.size > this.#max) this.#evictOldest();
  }

  /** Replaces the value of a key in the map, keeping its place. */
  replace(key: string, value: V): void {
    this.#entries.set(key, value);
  }

  /** Removes a key other than by eviction. */
  delete(key: string): void {
    if (!this.#entries.delete(key)) return;
    if (key === this.#newest) this.#newest = undefined;
    // A live Map iterator keeps every table the Map outgrows or compacts until its next step:
    // unbounded deletes with no eviction after them (failing handlers, replayed duplicates,
    // keys used again) would hold old tables alive. A quarter of the bound allows about one.
    if (++this.#unsteppedDeletes > this.#max >>> 2) this.#oldest = undefined;
  }

  /**
   * One iterator lives on from eviction to eviction while only evictions delete:
   * a fresh one walks past every slot already deleted at the Map's front (about
   * 10 µs per eviction at 100k keys). Every live key lies ahead of it, since keys
   * are only ever appended: over the bound there is always one to step to.
   */
  #evictOldest(): void {
    this.#oldest ??= this.#entries.keys();
    const oldest = this.#oldest.next();
    this.#unsteppedDeletes = 0;
    if (oldest.done) return;
    this.#entries.delete(oldest.value);
    if (oldest.value === this.#newest) this.#newest = undefined;
  }

  get size(): number {
    return this.#entries.size;
  }

  clear(): void {
    this.#entries.clear();
    this.#oldest = undefined;
    this.#unsteppedDeletes = 0;
    this.#newest = undefined;
  }
}
