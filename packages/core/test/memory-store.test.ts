import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryStore } from '@hookgate/core';
import { runOrderStoreConformance, runStoreConformance } from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { sleep } from '../../../test/support/time.js';

describe('MemoryStore conformance', () => {
  runStoreConformance(test, () => new MemoryStore());
});

describe('MemoryStore ordering conformance', () => {
  runOrderStoreConformance(test, () => new MemoryStore());
});

describe('MemoryStore bounds', () => {
  test('keeps at most maxEntries keys, forgetting the least recently used', async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) {
      const claim = store.claim(key, 60_000);
      if (claim.status === 'claimed') store.complete(key, claim.token, 60_000);
    }
    expect(store.size).toBe(3);
    expect(store.claim('a', 60_000).status).toBe('claimed');
    expect(store.claim('d', 60_000).status).toBe('done');
  });

  test('a key looked up again (a duplicate, a retry while in flight) outlives keys used less recently', () => {
    const store = new MemoryStore({ maxEntries: 3 });
    const a = store.claim('a', 60_000);
    const b = store.claim('b', 60_000);
    if (a.status !== 'claimed' || b.status !== 'claimed') throw new Error('claim failed');
    store.complete('b', b.token, 60_000);
    expect(store.claim('b', 60_000).status).toBe('done'); // order now: a, b
    expect(store.claim('a', 60_000).status).toBe('in-flight'); // order now: b, a
    const c = store.claim('c', 60_000);
    if (c.status !== 'claimed') throw new Error('claim failed');
    store.complete('c', c.token, 60_000);
    store.claim('d', 60_000); // over the bound: `b`, the least recently used, goes
    expect(store.complete('a', a.token, 60_000)).toBe(true);
    expect([store.claim('c', 60_000).status, store.claim('b', 60_000).status]).toEqual(['done', 'claimed']);
  });

  test('a renewed claim counts as used: keys used less recently are evicted before it', () => {
    const store = new MemoryStore({ maxEntries: 3 });
    const a = store.claim('a', 60_000);
    if (a.status !== 'claimed') throw new Error('claim failed');
    store.claim('b', 60_000);
    store.claim('c', 60_000);
    expect(store.renew('a', a.token, 60_000)).toBe(true); // order now: b, c, a
    store.claim('d', 60_000); // over the bound: `b` goes, not the claim being renewed
    expect(store.claim('a', 60_000).status).toBe('in-flight');
    expect(store.claim('b', 60_000).status).toBe('claimed');
  });

  test('the key used last, used again or released and claimed again, keeps exact least-recently-used order', () => {
    const store = new MemoryStore({ maxEntries: 3 });
    const a = store.claim('a', 60_000);
    if (a.status !== 'claimed') throw new Error('claim failed');
    expect(store.claim('a', 60_000).status).toBe('in-flight'); // `a` is the newest: used again in place
    expect(store.release('a', a.token)).toBe(true);
    store.claim('b', 60_000);
    store.claim('a', 60_000); // order: b, a
    store.claim('c', 60_000); // order: b, a, c
    expect(store.claim('b', 60_000).status).toBe('in-flight'); // order: a, c, b
    store.claim('d', 60_000); // over the bound: `a` goes
    expect(store.size).toBe(3);
    expect(['b', 'c', 'd', 'a'].map((key) => store.claim(key, 60_000).status)).toEqual([
      'in-flight',
      'in-flight',
      'in-flight',
      'claimed',
    ]);
  });

  test('a done window never ends early, checked until its last millisecond', () => {
    const store = new MemoryStore();
    const claim = store.claim('k', 60_000);
    if (claim.status !== 'claimed') throw new Error('claim failed');
    const completedBy = performance.now();
    store.complete('k', claim.token, 20);
    let checks = 0;
    // Every check before completedBy + 20 ms must still see the key as done.
    for (let now = performance.now(); now < completedBy + 20; now = performance.now()) {
      const seen = store.claim('k', 60_000).status;
      if (performance.now() < completedBy + 20) expect(seen).toBe('done');
      checks++;
    }
    expect(checks).toBeGreaterThan(0);
  });

  test('maxEntries and maxCursors must be whole numbers from 1 to 16,777,216', () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(/maxEntries/);
    expect(() => new MemoryStore({ maxEntries: 2 ** 24 + 1 })).toThrow(
      /maxEntries must be a whole number from 1 to 16,777,216/,
    );
    expect(() => new MemoryStore({ maxCursors: 1e9 })).toThrow(/maxCursors/);
    expect(new MemoryStore({ maxEntries: 2 ** 24, maxCursors: 2 ** 24 }).size).toBe(0);
    expect(() => new MemoryStore({ maxCursors: 0 })).toThrow(/maxCursors/);
    expect(() => new MemoryStore({ maxCursors: 1.5 })).toThrow(/maxCursors/);
  });
});

describe('MemoryStore cursors: bounded by maxCursors, expired by their TTL', () => {
  test('keeps at most maxCursors cursors, forgetting the least recently used', () => {
    const store = new MemoryStore({ maxCursors: 3 });
    for (const key of ['a', 'b', 'c']) store.advanceCursor(key, undefined, 1, 60_000);
    expect(store.getCursor('a')).toBe(1); // a read counts as use: order now b, c, a
    store.raiseCursor('d', 5, 60_000); // over the bound: `b` goes
    expect(['a', 'b', 'c', 'd'].map((key) => store.getCursor(key))).toEqual([1, undefined, 1, 5]);
  });

  test('an advanced cursor counts as used', () => {
    const store = new MemoryStore({ maxCursors: 2 });
    store.advanceCursor('a', undefined, 1, 60_000);
    store.advanceCursor('b', undefined, 1, 60_000);
    expect(store.advanceCursor('a', 1, 2, 60_000)).toBe(true); // order now: b, a
    store.advanceCursor('c', undefined, 1, 60_000);
    expect(['a', 'b', 'c'].map((key) => store.getCursor(key))).toEqual([2, undefined, 1]);
  });

  test('cursors and dedupe entries are bounded apart: many cursors evict no dedupe key', () => {
    const store = new MemoryStore({ maxEntries: 2, maxCursors: 2 });
    const claim = store.claim('delivery', 60_000);
    if (claim.status !== 'claimed') throw new Error('claim failed');
    for (let i = 0; i < 10; i++) store.advanceCursor(`key-${i}`, undefined, 1, 60_000);
    expect(store.complete('delivery', claim.token, 60_000)).toBe(true);
    expect(store.size).toBe(1);
  });

  test('a cursor expires stateTtlMs after its last change, and each change starts the TTL again', async () => {
    const store = new MemoryStore();
    store.advanceCursor('k', undefined, 1, 150);
    await sleep(100);
    expect(store.advanceCursor('k', 1, 2, 150)).toBe(true);
    await sleep(100); // 200 ms after the first change, 100 ms after the second
    expect(store.getCursor('k')).toBe(2);
    await sleep(150);
    expect(store.getCursor('k')).toBeUndefined();
    expect(store.advanceCursor('k', 2, 3, 150)).toBe(false); // an expired cursor is no cursor
    expect(store.advanceCursor('k', undefined, 3, 150)).toBe(true);
  });

  test('clear forgets cursors and dedupe entries', () => {
    const store = new MemoryStore();
    store.claim('k', 60_000);
    store.advanceCursor('k', undefined, 4, 60_000);
    store.clear();
    expect([store.size, store.getCursor('k'), store.claim('k', 60_000).status]).toEqual([0, undefined, 'claimed']);
  });
});

describe('MemoryStore memory', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heapAfterGc = () => {
    for (let i = 0; i < 3; i++) gc();
    return process.memoryUsage().heapUsed;
  };

  // Every use of a key moves it to the newest end of the table's recency order:
  // uses with no eviction between them (duplicates, retries, cursor reads) must
  // not pile up memory (a Map with a live eviction iterator once did).
  test.each([
    ['ids', (store: MemoryStore, key: string) => store.claim(key, 60_000)],
    ['cursors', (store: MemoryStore, key: string) => store.getCursor(key)],
  ] as const)('%s: keys used again and again at the bound hold no more memory', (_name, use) => {
    const store = new MemoryStore({ maxEntries: 1_000, maxCursors: 1_000 });
    // One past the bound (one eviction), then only keys already there are used.
    for (let i = 0; i <= 1_000; i++) {
      store.claim(`key-${i}`, 60_000);
      store.advanceCursor(`key-${i}`, undefined, 1, 60_000);
    }
    const keys = Array.from({ length: 1_000 }, (_, i) => `key-${i + 1}`);
    const before = heapAfterGc();
    for (let i = 0; i < 400_000; i++) use(store, keys[i % 1_000] ?? '');
    const grown = heapAfterGc() - before;
    expect(use(store, 'key-1')).not.toBeUndefined(); // still there: used, not evicted
    expect(grown).toBeLessThan(4 * 1024 * 1024);
  });
});
