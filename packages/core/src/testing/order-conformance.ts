import { randomUUID } from 'node:crypto';
import type { OrderStore } from '../stores/store.js';
import { sleep } from './sleep.js';
import type { ConformanceTest } from './store-conformance.js';

/** Makes an ordering store whose keys live under `prefix`. */
export type MakeOrderStore = (options: { prefix: string }) => OrderStore | Promise<OrderStore>;

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`order store conformance: ${message}`);
}

/**
 * The ordering-cursor contract: compare-and-set under concurrency, latest-wins
 * raises, expiry, isolation and change notifications (when offered).
 */
export function runOrderStoreConformance(
  test: ConformanceTest,
  makeStore: MakeOrderStore,
  options: { shortMs?: number } = {},
): void {
  const shortMs = options.shortMs ?? 60;
  const longMs = 60_000;
  const fresh = () => makeStore({ prefix: `order-conformance:${randomUUID()}:` });
  const key = () => `cursor-${randomUUID()}`;
  const timeout = Math.max(5_000, shortMs * 20);

  test('a new key has no cursor', async () => {
    const store = await fresh();
    expect((await store.getCursor(key())) === undefined, 'a new key must have no cursor');
  });

  test('advanceCursor sets only from the expected value', async () => {
    const store = await fresh();
    const k = key();
    expect((await store.advanceCursor(k, 3, 4, longMs)) === false, 'advanced a new key from 3');
    expect((await store.advanceCursor(k, undefined, 1, longMs)) === true, 'could not start a new key');
    expect((await store.getCursor(k)) === 1, 'cursor should be 1');
    expect((await store.advanceCursor(k, undefined, 5, longMs)) === false, 'advanced from "absent" while set');
    expect((await store.advanceCursor(k, 0, 2, longMs)) === false, 'advanced from a wrong value');
    expect((await store.advanceCursor(k, 1, 2, longMs)) === true, 'could not advance from the right value');
    expect((await store.getCursor(k)) === 2, 'cursor should be 2');
  });

  test('100 concurrent compare-and-sets from one value: exactly one wins', async () => {
    const store = await fresh();
    const k = key();
    await store.advanceCursor(k, undefined, 10, longMs);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => store.advanceCursor(k, 10, 11 + i, longMs)),
    );
    const winners = results.filter(Boolean).length;
    expect(winners === 1, `expected exactly one winner, got ${winners}`);
    const cursor = await store.getCursor(k);
    expect(cursor !== undefined && cursor >= 11 && cursor <= 110, `cursor ${cursor} is not a winner's value`);
  });

  test('raiseCursor only ever moves up, and reports the previous value', async () => {
    const store = await fresh();
    const k = key();
    const first = await store.raiseCursor(k, 5, longMs);
    expect(first.raised && first.previous === undefined, 'first raise must succeed from nothing');
    const lower = await store.raiseCursor(k, 3, longMs);
    expect(!lower.raised && lower.previous === 5, 'a lower value must not raise');
    const equal = await store.raiseCursor(k, 5, longMs);
    expect(!equal.raised, 'an equal value must not raise');
    const higher = await store.raiseCursor(k, 9, longMs);
    expect(higher.raised && higher.previous === 5, 'a higher value must raise');
    expect((await store.getCursor(k)) === 9, 'cursor should be 9');
  });

  test('concurrent raises settle on the maximum', async () => {
    const store = await fresh();
    const k = key();
    const values = Array.from({ length: 100 }, (_, i) => (i * 37) % 101);
    await Promise.all(values.map((v) => store.raiseCursor(k, v, longMs)));
    expect((await store.getCursor(k)) === Math.max(...values), 'cursor is not the maximum raised');
  });

  test(
    'a cursor expires after its key goes quiet',
    async () => {
      const store = await fresh();
      const k = key();
      await store.advanceCursor(k, undefined, 7, shortMs);
      expect((await store.getCursor(k)) === 7, 'cursor should be 7');
      await sleep(shortMs * 4);
      expect((await store.getCursor(k)) === undefined, 'cursor should have expired');
    },
    timeout,
  );

  test(
    'each change starts the expiry again',
    async () => {
      const store = await fresh();
      const [advanced, raised] = [key(), key()];
      await store.advanceCursor(advanced, undefined, 1, shortMs * 3);
      await store.raiseCursor(raised, 1, shortMs * 3);
      await sleep(shortMs * 2);
      expect((await store.advanceCursor(advanced, 1, 2, shortMs * 3)) === true, 'could not advance');
      expect((await store.raiseCursor(raised, 2, shortMs * 3)).raised, 'could not raise');
      await sleep(shortMs * 2); // four shortMs after the first change, two after the second
      expect((await store.getCursor(advanced)) === 2, 'an advance did not start the expiry again');
      expect((await store.getCursor(raised)) === 2, 'a raise did not start the expiry again');
    },
    timeout,
  );

  test('prefixes and keys isolate cursors', async () => {
    const a = await fresh();
    const b = await fresh();
    const [k1, k2] = [key(), key()];
    await a.advanceCursor(k1, undefined, 1, longMs);
    expect((await b.getCursor(k1)) === undefined, 'a cursor leaked across prefixes');
    expect((await a.getCursor(k2)) === undefined, 'a cursor leaked across keys');
  });

  test(
    'change notifications report advances (when the store offers them)',
    async () => {
      const store = await fresh();
      if (!store.onCursorChange) return;
      const k = key();
      const heard: number[] = [];
      const stop = await store.onCursorChange((changed, cursor) => {
        if (changed === k) heard.push(cursor);
      });
      try {
        await store.advanceCursor(k, undefined, 1, longMs);
        await store.raiseCursor(k, 4, longMs);
        for (let i = 0; i < 50 && heard.length < 2; i++) await sleep(20);
        expect(heard.join(',') === '1,4', `expected to hear 1,4; heard ${heard.join(',')}`);
      } finally {
        await stop();
      }
    },
    timeout,
  );
}
