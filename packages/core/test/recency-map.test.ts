import { describe, expect, test } from 'vitest';
import { hashKey, MAX_KEYS, RecencyMap } from '../src/stores/recency-map.js';

/** The behaviour RecencyMap must have, written the obvious way: a Map in recency order. */
class ModelRecencyMap {
  readonly entries = new Map<string, number>();
  constructor(readonly max: number) {}

  get(key: string, now: number): number | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    if (value > now) return value;
    this.entries.delete(key);
    return undefined;
  }

  touch(key: string, value: number): void {
    this.entries.delete(key);
    this.add(key, value);
  }

  add(key: string, value: number): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, value);
  }

  replace(key: string, value: number): void {
    if (this.entries.has(key)) this.entries.set(key, value);
    else this.add(key, value);
  }

  markUsed(key: string): void {
    const value = this.entries.get(key);
    if (value !== undefined) this.touch(key, value);
  }
}

/** A small deterministic generator, so a failing seed can be run again. */
function generator(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % below) | 0;
  };
}

// Keys of every kind a store sees: ids, `scheme:id`, Latin-1 and other text, one empty, prefixes of one
// another, and keys around the 64 characters kept as bytes (at it, one past it, equal but for the last one).
const SPECIAL_KEYS = [
  '',
  'a',
  'aa',
  'é',
  'ÿ\u0000',
  'ключ',
  '🙂',
  'x'.repeat(500),
  'github:',
  'github:1',
  'k'.repeat(63),
  'k'.repeat(64),
  `${'k'.repeat(63)}l`,
  'k'.repeat(65),
  `${'k'.repeat(63)}ĸ`,
];

function keysFor(count: number): string[] {
  return [...SPECIAL_KEYS, ...Array.from({ length: count }, (_, i) => `standard-webhooks:msg_${i.toString(36)}`)];
}

/** Random uses of both tables: every answer and every size must agree, and so must the contents at the end. */
function runAgainstModel(seed: number, max: number, keyCount: number, steps: number): void {
  const random = generator(seed);
  const table = new RecencyMap<number>(max);
  const model = new ModelRecencyMap(max);
  const keys = keysFor(keyCount);
  let now = 0;
  for (let step = 0; step < steps; step++) {
    const key = keys[random(keys.length)]!;
    const value = now + 1 + random(50);
    const operation = random(100);
    if (operation < 40) {
      const found = model.get(key, now);
      expect(table.get(key, now), `step ${step}: get`).toBe(found);
      if (found === undefined && random(2) === 0) {
        table.add(key, value, value);
        model.add(key, value);
      }
    } else if (operation < 60) {
      table.touch(key, value, value);
      model.touch(key, value);
    } else if (operation < 75) {
      table.replace(key, value, value);
      model.replace(key, value);
    } else if (operation < 85) {
      table.delete(key);
      model.entries.delete(key);
    } else if (operation < 90) {
      // The model's values are their own deadlines (expired or not: neither has looked yet).
      expect(table.deadline(key), `step ${step}: deadline`).toBe(model.entries.get(key));
      table.markUsed(key);
      model.markUsed(key);
    } else if (operation < 99) {
      now += random(5);
    } else if (random(20) === 0) {
      table.clear();
      model.entries.clear();
    }
    expect(table.size, `step ${step}: size`).toBe(model.entries.size);
  }
  // The same keys in the same recency order: once full, each key added evicts the oldest, in the model's order.
  let filler = 0;
  const fill = () => {
    const key = `filler:${filler++}`;
    table.add(key, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
    model.add(key, Number.POSITIVE_INFINITY);
  };
  while (model.entries.size < max) fill();
  const order = [...model.entries.keys()];
  for (const [i, oldest] of order.entries()) {
    expect(table.get(oldest, Number.NEGATIVE_INFINITY), `${oldest} is there until evicted`).not.toBeUndefined();
    fill();
    expect(table.get(oldest, Number.NEGATIVE_INFINITY), `${oldest} is evicted ${i + 1}th`).toBeUndefined();
  }
}

/**
 * Ids of one width whose every character varies, as random ids do: they collide like
 * random keys (sequential ids never share a hash within a few thousand), and two that
 * collide differ in their text, not their length.
 */
const scrambledId = (i: number) => (Math.imul(i, 0x9e3779b1) >>> 0).toString(16).padStart(8, '0');

/** The first two keys of a family (`keyOf(0)`, `keyOf(1)`, …) that share a hash under `seed`. */
function collidingPair(seed: number, keyOf: (i: number) => string): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const key = keyOf(i);
    const hash = hashKey(key, seed);
    const earlier = seen.get(hash);
    if (earlier !== undefined) return [earlier, key];
    seen.set(hash, key);
  }
}

describe('RecencyMap (the MemoryStore table) behaves as a Map kept in recency order', () => {
  test.each([1, 2, 3, 7, 16])('a table of %i keys, under random use, answers as the model does', (max) => {
    for (let seed = 1; seed <= 10; seed++) runAgainstModel(seed * 7919 + max, max, 3 * max, 2_000);
  });

  test('a table that grows past its first storage (256 entries) up to its bound keeps every key and the order', () => {
    for (let seed = 1; seed <= 3; seed++) runAgainstModel(seed, 1_500, 3_000, 30_000);
  });

  test('at its bound, each key added evicts exactly the least recently used one', () => {
    const table = new RecencyMap<number>(1_000);
    for (let i = 0; i < 1_000; i++) table.add(`key-${i}`, i, Number.POSITIVE_INFINITY);
    table.touch('key-0', 0, Number.POSITIVE_INFINITY); // now the newest
    for (let i = 1_000; i < 1_500; i++) table.add(`key-${i}`, i, Number.POSITIVE_INFINITY);
    expect(table.size).toBe(1_000);
    expect(table.get('key-0', 0)).toBe(0);
    expect(table.get('key-500', 0)).toBeUndefined(); // key-1 .. key-500 went, oldest first
    expect(table.get('key-501', 0)).toBe(501);
    expect(table.get('key-1499', 0)).toBe(1_499);
  });

  test('keys equal in text but built apart (one concatenated, one literal) are one key', () => {
    const table = new RecencyMap<number>(10);
    const id = String(Date.now());
    table.add(`standard-webhooks:${id}`, 1, Number.POSITIVE_INFINITY);
    expect(table.get(['standard-webhooks', id].join(':'), 0)).toBe(1);
    table.replace(`standard-webhooks:${id}`, 2, Number.POSITIVE_INFINITY);
    expect(table.size).toBe(1);
    expect(table.get(`standard-webhooks:${id}`, 0)).toBe(2);
  });

  test('an expired value is forgotten when looked up, and its key can be added again', () => {
    const table = new RecencyMap<number>(2);
    table.add('k', 10, 10);
    expect(table.get('k', 9)).toBe(10);
    expect(table.get('k', 10)).toBeUndefined();
    expect(table.size).toBe(0);
    table.add('k', 20, 20);
    expect(table.get('k', 10)).toBe(20);
  });

  test('a value and its deadline are apart: each is replaced, kept or read on its own', () => {
    const table = new RecencyMap<string>(2);
    table.add('a', 'token-1', 100);
    table.add('b', 'token-2', 50);
    expect([table.get('a', 99), table.deadline('a')]).toEqual(['token-1', 100]);
    table.replace('a', 'done', 200); // keeps its place: a is still the oldest
    table.markUsed('b'); // b was the newest already: nothing moves
    table.add('c', 'token-3', 300);
    expect([table.get('a', 0), table.get('b', 0), table.get('c', 0)]).toEqual([undefined, 'token-2', 'token-3']);
    table.markUsed('b'); // now c is the oldest, and goes next
    table.add('d', 'token-4', 400);
    expect([table.get('b', 49), table.get('c', 0), table.deadline('d')]).toEqual(['token-2', undefined, 400]);
    table.touch('b', 'token-5', 500);
    expect([table.get('b', 499), table.deadline('b'), table.deadline('missing')]).toEqual(['token-5', 500, undefined]);
    table.markUsed('missing');
    expect(table.size).toBe(2);
  });

  test('two keys with the same 32-bit hash are two keys: the full text decides, not the hash', () => {
    const seed = 119; // one whose first collision comes early (within ~7,000 keys): the test stays fast
    const [first, second] = collidingPair(seed, (i) => `standard-webhooks:msg_${scrambledId(i)}`);
    expect(hashKey(first, seed)).toBe(hashKey(second, seed));
    const table = new RecencyMap<number>(10, seed);
    table.add(first, 1, Number.POSITIVE_INFINITY);
    expect(table.get(second, 0)).toBeUndefined();
    table.add(second, 2, Number.POSITIVE_INFINITY);
    expect([table.get(first, 0), table.get(second, 0), table.size]).toEqual([1, 2, 2]);
    table.delete(first);
    expect([table.get(first, 0), table.get(second, 0), table.size]).toEqual([undefined, 2, 1]);
  });

  test('keys kept as their string (over 64 characters, or beyond Latin-1) with one 32-bit hash are two keys too', () => {
    const seed = 109; // as above: an early collision
    const [first, second] = collidingPair(seed, (i) => `${'k'.repeat(60)}:ключ:${scrambledId(i)}`);
    const table = new RecencyMap<number>(10, seed);
    table.add(first, 1, Number.POSITIVE_INFINITY);
    expect(table.get(second, 0)).toBeUndefined();
    table.add(second, 2, Number.POSITIVE_INFINITY);
    expect([table.get(first, 0), table.get(second, 0), table.size]).toEqual([1, 2, 2]);
  });

  test('a key looked up again after its entry went (evicted, deleted, expired, cleared) is not found there', () => {
    const table = new RecencyMap<number>(2);
    table.add('a', 10, 10);
    expect(table.get('a', 0)).toBe(10);
    table.add('b', 10, 10);
    table.add('c', 10, 10); // evicts a, the oldest
    expect(table.get('a', 0)).toBeUndefined();
    table.add('a', 20, 20); // takes a's old entry back: b goes
    expect([table.get('a', 0), table.get('b', 0), table.get('c', 0)]).toEqual([20, undefined, 10]);
    table.delete('c');
    expect(table.get('c', 0)).toBeUndefined();
    expect(table.get('a', 20)).toBeUndefined(); // expired
    expect(table.get('a', 0)).toBeUndefined();
    table.add('d', 30, 30);
    table.clear();
    expect([table.get('d', 0), table.size]).toEqual([undefined, 0]);
  });

  test('a bound must be a whole number from 1 to 2^24 (a Map could hold no more either)', () => {
    expect(() => new RecencyMap<number>(0)).toThrow(RangeError);
    expect(() => new RecencyMap<number>(MAX_KEYS + 1)).toThrow(RangeError);
    expect(() => new RecencyMap<number>(1.5)).toThrow(RangeError);
    expect(new RecencyMap<number>(MAX_KEYS).size).toBe(0);
  });
});
