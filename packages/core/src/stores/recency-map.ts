/** No entry: the end of the free list or of the recency list. */
const NONE = -1;
/** Entries allocated at first; the table doubles up to its bound as it fills. */
const INITIAL_CAPACITY = 256;
/**
 * The largest bound: a `Map`'s own limit (V8 throws past it), far beyond what one
 * process should remember, and well inside what an array of keys and values can hold.
 */
export const MAX_KEYS = 2 ** 24;

/** Whether `max` can bound a table: a whole number from 1 to MAX_KEYS. */
export function isBound(max: number): boolean {
  return Number.isInteger(max) && max >= 1 && max <= MAX_KEYS;
}

// An entry's record: four int32s side by side, so following an entry reads one cache line.
const RECORD = 4;
/** Its key's hash. */
const HASH = 0;
/** The next entry on the free list, while it is free. */
const NEXT_FREE = 1;
/** Its neighbours by recency. */
const OLDER = 2;
const NEWER = 3;

/**
 * Characters of a key kept as bytes beside its entry, off the JS heap. A key that
 * fits (every character below U+0100, as ids are) leaves no string for the garbage
 * collector to copy, promote and later sweep; 64 holds `<scheme>:<id>` for the
 * senders' ids (a Svix id makes 49). A longer or other key is kept as its string.
 */
const KEPT_CHARS = 64;

/**
 * A table of string keys bounded to `max` keys whose entries expire: beyond the
 * bound, the least recently used key goes. Every use moves a key to the newest
 * end of a doubly linked recency list, so the oldest end is the one to evict.
 *
 * Not a `Map`: V8 hashes a concatenated key (`scheme:id`) only after flattening it
 * into a second string, compares keys of equal length through its runtime, and an
 * eviction walks cold memory in several places. Over HTTP, at 100,000 keys, what the
 * store costs is mostly cache misses and the garbage collector's work on the keys it
 * holds, so this table keeps both small: keys are hashed in JavaScript (from a random
 * seed per table, so which keys collide differs from table to table) into an
 * open-addressed slot table that holds each key's hash beside its entry number, at
 * most half full, so a lookup reads one slot line and a miss reads no record. An entry
 * is one record in a typed array, its key's bytes in another (see KEPT_CHARS) and a
 * value in an array; entries freed by eviction are reused first, so records are
 * walked in order. Each entry's deadline sits in a lane of doubles beside it, so a value
 * needs no object to carry one. Keys are compared in full, so no two keys ever share an
 * entry. Storage grows with what the table holds, never past the bound.
 */
export class RecencyMap<V> {
  readonly #max: number;
  readonly #seed: number;

  /** Entry `e`'s record at `e * RECORD`. */
  #records = new Int32Array(0);
  /** Entry `e`'s key at `2e` (its length when its bytes are kept) and value at `2e + 1`; both undefined while the entry is free. */
  #pairs: (string | number | V | undefined)[] = [];
  /** Entry `e`'s key bytes, when kept, from `e * KEPT_CHARS`. */
  #keyBytes = new Uint8Array(0);
  /** Entry `e`'s deadline, on the caller's clock: it stops being live then. */
  #deadlines = new Float64Array(0);
  /**
   * Slot `s` holds a key's hash at `2s` and its entry number plus one at `2s + 1` (0: empty).
   * A power of two of slots, at least twice as many as entries; linear probing.
   */
  #slots = new Int32Array(0);
  /** Entries ever handed out: those at and beyond it were never used. */
  #allocated = 0;
  #free = NONE;
  #oldest = NONE;
  #newest = NONE;
  #size = 0;
  /**
   * The last key looked up or added, its hash and its entry (NONE: not in the table), kept
   * true by every change: a claim and then its completion look up the same key.
   */
  #lastKey: string | undefined;
  #lastHash = 0;
  #lastEntry = NONE;

  /** `seed` is for tests that need keys sharing a hash; by default it is random. */
  constructor(max: number, seed = (Math.random() * 0x1_0000_0000) | 0) {
    if (!isBound(max)) throw new RangeError(`bound ${max} is not 1 to 2^24`);
    this.#max = max;
    this.#seed = seed;
    this.#allocate(Math.min(max, INITIAL_CAPACITY));
  }

  /** The live value for a key at `now`; an expired one is forgotten. */
  get(key: string, now: number): V | undefined {
    const entry = this.#find(key);
    if (entry === NONE) return undefined;
    if (this.#deadlines[entry]! > now) return this.#pairs[2 * entry + 1] as V;
    this.#remove(entry);
    return undefined;
  }

  /** The deadline of a key in the table (undefined when it is not). */
  deadline(key: string): number | undefined {
    const entry = this.#find(key);
    return entry === NONE ? undefined : this.#deadlines[entry];
  }

  /** Sets the value and deadline of a key and makes it the most recently used. */
  touch(key: string, value: V, deadline: number): void {
    const entry = this.#find(key);
    if (entry === NONE) {
      this.add(key, value, deadline);
      return;
    }
    this.#pairs[2 * entry + 1] = value;
    this.#deadlines[entry] = deadline;
    if (entry === this.#newest) return;
    this.#unlinkRecency(entry);
    this.#linkNewest(entry);
  }

  /** Makes a key in the table the most recently used, its value and deadline unchanged. */
  markUsed(key: string): void {
    const entry = this.#find(key);
    if (entry === NONE || entry === this.#newest) return;
    this.#unlinkRecency(entry);
    this.#linkNewest(entry);
  }

  /** Adds a key not in the table (`get` just said so) as the most recently used; at the bound, the least recently used goes. */
  add(key: string, value: V, deadline: number): void {
    const hash = key === this.#lastKey ? this.#lastHash : hashKey(key, this.#seed);
    if (this.#size >= this.#max) this.#remove(this.#oldest);
    const entry = this.#takeEntry();
    this.#pairs[2 * entry] = this.#keepBytes(entry, key) ? key.length : key;
    this.#pairs[2 * entry + 1] = value;
    this.#deadlines[entry] = deadline;
    this.#records[entry * RECORD + HASH] = hash;
    this.#place(entry, hash);
    this.#linkNewest(entry);
    this.#size++;
    this.#lastKey = key;
    this.#lastHash = hash;
    this.#lastEntry = entry;
  }

  /** Replaces the value and deadline of a key, keeping its place (a key not in the table is added). */
  replace(key: string, value: V, deadline: number): void {
    const entry = this.#find(key);
    if (entry === NONE) {
      this.add(key, value, deadline);
    } else {
      this.#pairs[2 * entry + 1] = value;
      this.#deadlines[entry] = deadline;
    }
  }

  /** Removes a key. */
  delete(key: string): void {
    const entry = this.#find(key);
    if (entry !== NONE) this.#remove(entry);
  }

  get size(): number {
    return this.#size;
  }

  clear(): void {
    this.#records = new Int32Array(0);
    this.#keyBytes = new Uint8Array(0);
    this.#deadlines = new Float64Array(0);
    this.#pairs = [];
    this.#lastKey = undefined;
    this.#lastEntry = NONE;
    this.#allocated = 0;
    this.#free = NONE;
    this.#oldest = NONE;
    this.#newest = NONE;
    this.#size = 0;
    this.#allocate(Math.min(this.#max, INITIAL_CAPACITY));
  }

  #find(key: string): number {
    if (key === this.#lastKey) return this.#lastEntry;
    const hash = hashKey(key, this.#seed);
    const slots = this.#slots;
    const mask = (slots.length >>> 1) - 1;
    let entry = NONE;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = slots[2 * slot + 1]!;
      if (stored === 0) break;
      if (slots[2 * slot] === hash && this.#holds(stored - 1, key)) {
        entry = stored - 1;
        break;
      }
    }
    this.#lastKey = key;
    this.#lastHash = hash;
    this.#lastEntry = entry;
    return entry;
  }

  /** Whether an entry's key is `key`, in full. */
  #holds(entry: number, key: string): boolean {
    const kept = this.#pairs[2 * entry];
    if (typeof kept === 'string') return kept === key;
    if (kept !== key.length) return false;
    const bytes = this.#keyBytes;
    const from = entry * KEPT_CHARS;
    for (let i = 0; i < key.length; i++) if (bytes[from + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Keeps a key's characters as bytes beside its entry, when it fits (see KEPT_CHARS). */
  #keepBytes(entry: number, key: string): boolean {
    if (key.length > KEPT_CHARS) return false;
    const bytes = this.#keyBytes;
    const from = entry * KEPT_CHARS;
    for (let i = 0; i < key.length; i++) {
      const code = key.charCodeAt(i);
      if (code > 0xff) return false;
      bytes[from + i] = code;
    }
    return true;
  }

  /** Puts an entry in the first empty slot from its hash's own (there is always one: at most half are used). */
  #place(entry: number, hash: number): void {
    const slots = this.#slots;
    const mask = (slots.length >>> 1) - 1;
    let slot = hash & mask;
    while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    slots[2 * slot] = hash;
    slots[2 * slot + 1] = entry + 1;
  }

  /**
   * Empties an entry's slot, then moves back each following slot of the run that
   * may fill the hole (its own slot is not between the hole and it), so that no
   * lookup stops early and no slot is ever marked deleted.
   */
  #unplace(entry: number, hash: number): void {
    const slots = this.#slots;
    const mask = (slots.length >>> 1) - 1;
    let hole = hash & mask;
    while (slots[2 * hole + 1] !== entry + 1) hole = (hole + 1) & mask;
    for (let slot = (hole + 1) & mask; slots[2 * slot + 1] !== 0; slot = (slot + 1) & mask) {
      const own = slots[2 * slot]! & mask;
      if (((slot - own) & mask) >= ((slot - hole) & mask)) {
        slots[2 * hole] = slots[2 * slot]!;
        slots[2 * hole + 1] = slots[2 * slot + 1]!;
        hole = slot;
      }
    }
    slots[2 * hole] = 0;
    slots[2 * hole + 1] = 0;
  }

  /** A free entry: a released one, else a new one, doubling the storage when it is full. */
  #takeEntry(): number {
    const free = this.#free;
    if (free !== NONE) {
      this.#free = this.#records[free * RECORD + NEXT_FREE]!;
      return free;
    }
    const capacity = this.#records.length / RECORD;
    if (this.#allocated === capacity) this.#allocate(Math.min(this.#max, capacity * 2));
    return this.#allocated++;
  }

  #remove(entry: number): void {
    if (entry === this.#lastEntry) this.#lastEntry = NONE;
    const records = this.#records;
    this.#unplace(entry, records[entry * RECORD + HASH]!);
    this.#unlinkRecency(entry);
    this.#pairs[2 * entry] = undefined;
    this.#pairs[2 * entry + 1] = undefined;
    records[entry * RECORD + NEXT_FREE] = this.#free;
    this.#free = entry;
    this.#size--;
  }

  #linkNewest(entry: number): void {
    const records = this.#records;
    records[entry * RECORD + OLDER] = this.#newest;
    records[entry * RECORD + NEWER] = NONE;
    if (this.#newest === NONE) this.#oldest = entry;
    else records[this.#newest * RECORD + NEWER] = entry;
    this.#newest = entry;
  }

  #unlinkRecency(entry: number): void {
    const records = this.#records;
    const older = records[entry * RECORD + OLDER]!;
    const newer = records[entry * RECORD + NEWER]!;
    if (older === NONE) this.#oldest = newer;
    else records[older * RECORD + NEWER] = newer;
    if (newer === NONE) this.#newest = older;
    else records[newer * RECORD + OLDER] = older;
  }

  /** Storage for `capacity` entries (keeping what is there), and slots rebuilt for them. */
  #allocate(capacity: number): void {
    const records = new Int32Array(capacity * RECORD);
    records.set(this.#records);
    this.#records = records;
    const keyBytes = new Uint8Array(capacity * KEPT_CHARS);
    keyBytes.set(this.#keyBytes);
    this.#keyBytes = keyBytes;
    const deadlines = new Float64Array(capacity);
    deadlines.set(this.#deadlines);
    this.#deadlines = deadlines;
    let slots = 2;
    while (slots < 2 * capacity) slots *= 2;
    this.#slots = new Int32Array(2 * slots);
    // Only called with no free entry, so every allocated entry is live.
    for (let entry = 0; entry < this.#allocated; entry++) this.#place(entry, records[entry * RECORD + HASH]!);
  }
}

/** FNV-1a over the UTF-16 code units from a seed, then murmur3's finalizer to spread the bits. */
export function hashKey(key: string, seed: number): number {
  let hash = seed ^ 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}
