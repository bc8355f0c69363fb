import {
  createReceiver,
  type DedupeOptions,
  type DeliveryContext,
  MemoryStore,
  type OrderOptions,
  standardWebhooks,
} from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { sleep } from '../../../test/support/time.js';
import { errorCode, fixedLeases, post } from './helpers.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const scheme = standardWebhooks({ secret });

interface Update {
  type: 'customer.updated';
  data: { customer: string; seq: number; fail?: boolean };
}

const byCustomer: Pick<OrderOptions<Update>, 'key' | 'sequence'> = {
  key: (e) => e.data.customer,
  sequence: (e) => e.data.seq,
};

/** One delivery of one customer's update; the id is stable per (customer, seq) like a sender's retries. */
function update(customer: string, seq: number, extra: { id?: string; plan?: unknown } = {}) {
  const body = JSON.stringify({ type: 'customer.updated', data: { customer, seq, plan: extra.plan } });
  return post(signStandardWebhooks({ secret, body, id: extra.id ?? `msg_${customer}_${seq}` }), body);
}

/** An update's data as its schema sees it; a test extends it with the fields it checks. */
const customerData = z.object({ customer: z.string(), seq: z.number().int() });

/** A receiver with a schema for customer.updated (its data checked by `data`), ordered by customer and seq from 1. */
function schemaOrdered<Data extends z.infer<typeof customerData>>(
  data: z.ZodType<Data>,
  options: { holdMs: number; dedupe?: DedupeOptions },
) {
  return createReceiver({
    scheme,
    events: { 'customer.updated': z.object({ type: z.literal('customer.updated'), data }) },
    ...(options.dedupe && { dedupe: options.dedupe }),
    order: { key: (e) => e.data.customer, sequence: (e) => e.data.seq, start: 1, holdMs: options.holdMs },
  });
}

function ordered(
  order: Omit<OrderOptions<Update>, 'key' | 'sequence'>,
  fail?: (seq: number, attempt: number) => boolean,
) {
  const seen: { customer: string; seq: number; gap: boolean }[] = [];
  const attempts = new Map<string, number>();
  const receiver = createReceiver({
    scheme,
    order: { ...byCustomer, ...order } as OrderOptions<unknown>,
  });
  receiver.on('customer.updated', (event, ctx: DeliveryContext) => {
    const { customer, seq } = (event as Update).data;
    const id = `${customer}:${seq}`;
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    if (fail?.(seq, attempt)) throw new Error(`fail ${id}`);
    seen.push({ customer, seq, gap: ctx.gap });
  });
  return { receiver, seen };
}

const statusOf = async (response: Promise<{ status: number; body: string }>) => {
  const res = await response;
  return res.status === 200
    ? (JSON.parse(res.body) as { status: string }).status
    : `${res.status} ${errorCode(res.body)}`;
};

describe('strict ordering', () => {
  test('events in order run at once, each advancing the cursor', async () => {
    const { receiver, seen } = ordered({ start: 1 });
    for (const seq of [1, 2, 3]) expect(await statusOf(receiver.handle(update('c1', seq)))).toBe('processed');
    expect(seen.map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  test('a later event waits for its predecessor, then runs', async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 5_000 });
    const third = receiver.handle(update('c1', 3));
    const second = receiver.handle(update('c1', 2));
    await sleep(30);
    expect(seen).toEqual([]);
    expect(await statusOf(receiver.handle(update('c1', 1)))).toBe('processed');
    expect([await statusOf(second), await statusOf(third)]).toEqual(['processed', 'processed']);
    expect(seen.map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  test('20 keys × 1..30, all shuffled and concurrent: each key runs exactly 1..30 in order', async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 10_000, maxHeldPerKey: 30 });
    const deliveries = Array.from({ length: 20 }, (_, k) =>
      Array.from({ length: 30 }, (_, s) => [`k${k}`, s + 1] as const),
    ).flat();
    const shuffled = fc.sample(fc.shuffledSubarray(deliveries, { minLength: deliveries.length }), {
      numRuns: 1,
      seed: 42,
    })[0]!;
    const results = await Promise.all(
      shuffled.map(([customer, seq]) => statusOf(receiver.handle(update(customer, seq)))),
    );
    expect(results.every((r) => r === 'processed')).toBe(true);
    for (let k = 0; k < 20; k++) {
      expect(seen.filter((s) => s.customer === `k${k}`).map((s) => s.seq)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
    }
  });

  test('an earlier event is stale: acknowledged, not processed', async () => {
    const { receiver, seen } = ordered({ start: 1 });
    await receiver.handle(update('c1', 1));
    await receiver.handle(update('c1', 2));
    expect(await statusOf(receiver.handle(update('c1', 1, { id: 'msg_resent_with_new_id' })))).toBe('stale');
    expect(seen.map((s) => s.seq)).toEqual([1, 2]);
  });

  test('a gap that never fills: 503 + Retry-After after the hold; when the missing one arrives all drain in order', async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 150 });
    await receiver.handle(update('c1', 1));
    const held = await receiver.handle(update('c1', 3));
    expect(held.status).toBe(503);
    expect(errorCode(held.body)).toBe('ordering_gap');
    expect(held.headers['retry-after']).toBe('1');
    expect(await statusOf(receiver.handle(update('c1', 2)))).toBe('processed');
    // The sender retries 3: its claim was released, so it runs now.
    expect(await statusOf(receiver.handle(update('c1', 3)))).toBe('processed');
    expect(seen.map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  test("onGap: 'deliver' runs the event after the hold with ctx.gap; the late predecessor is then stale", async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 100, onGap: 'deliver' });
    await receiver.handle(update('c1', 1));
    expect(await statusOf(receiver.handle(update('c1', 3)))).toBe('processed');
    expect(await statusOf(receiver.handle(update('c1', 2)))).toBe('stale');
    expect(seen).toEqual([
      { customer: 'c1', seq: 1, gap: false },
      { customer: 'c1', seq: 3, gap: true },
    ]);
  });

  test('a handler failure does not advance the cursor: successors wait for the retry', async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 5_000 }, (seq, attempt) => seq === 2 && attempt === 1);
    await receiver.handle(update('c1', 1));
    expect(await statusOf(receiver.handle(update('c1', 2)))).toBe('500 handler_failed');
    const third = receiver.handle(update('c1', 3));
    await sleep(30);
    expect(seen.map((s) => s.seq)).toEqual([1]);
    expect(await statusOf(receiver.handle(update('c1', 2)))).toBe('processed');
    expect(await statusOf(third)).toBe('processed');
    expect(seen.map((s) => s.seq)).toEqual([1, 2, 3]);
  });

  test('first-seen: the next event waits while the first is still in its handler', async () => {
    const log: string[] = [];
    const receiver = createReceiver({ scheme, order: { ...byCustomer, start: 'first-seen' } as OrderOptions<unknown> });
    receiver.onAny(async (event) => {
      const { seq } = (event as Update).data;
      log.push(`start ${seq}`);
      if (seq === 1) await sleep(80);
      log.push(`end ${seq}`);
    });
    const first = receiver.handle(update('fresh', 1));
    await sleep(20);
    const second = receiver.handle(update('fresh', 2));
    expect([await statusOf(first), await statusOf(second)]).toEqual(['processed', 'processed']);
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  test('an event that fails its schema uses up its sequence number in turn: the key does not stall', async () => {
    const seen: number[] = [];
    const receiver = schemaOrdered(customerData.extend({ plan: z.string() }), { holdMs: 2_000 });
    receiver.on('customer.updated', (event) => {
      seen.push(event.data.seq);
    });
    const send = (seq: number, plan?: string) => statusOf(receiver.handle(update('c1', seq, { plan })));
    const third = send(3, 'team');
    const second = send(2); // no plan: fails its schema, but only once 1 has run
    await sleep(20);
    expect(seen).toEqual([]);
    expect(await send(1, 'starter')).toBe('processed');
    expect([await second, await third]).toEqual(['400 schema_mismatch', 'processed']);
    expect(seen).toEqual([1, 3]);
  });

  test('first-seen (asked for): the first event starts the key; a predecessor arriving later is stale', async () => {
    const { receiver, seen } = ordered({ start: 'first-seen' });
    expect(await statusOf(receiver.handle(update('c9', 5)))).toBe('processed');
    expect(await statusOf(receiver.handle(update('c9', 4)))).toBe('stale');
    expect(await statusOf(receiver.handle(update('c9', 6)))).toBe('processed');
    expect(seen.map((s) => s.seq)).toEqual([5, 6]);
  });

  test('a held event keeps its claim: its copy gets 409 while it waits', async () => {
    const { receiver } = ordered({ start: 1, holdMs: 5_000 });
    const held = receiver.handle(update('c1', 2));
    await sleep(20);
    expect(await statusOf(receiver.handle(update('c1', 2)))).toBe('409 delivery_in_flight');
    await receiver.handle(update('c1', 1));
    expect(await statusOf(held)).toBe('processed');
  });

  test('held events are bounded per key: over the bound, 503 ordering_capacity', async () => {
    const { receiver } = ordered({ start: 1, holdMs: 5_000, maxHeldPerKey: 2 });
    const a = receiver.handle(update('c1', 3));
    const b = receiver.handle(update('c1', 4));
    await sleep(20);
    const over = await receiver.handle(update('c1', 5));
    expect(over.status).toBe(503);
    expect(errorCode(over.body)).toBe('ordering_capacity');
    await receiver.handle(update('c1', 1));
    await receiver.handle(update('c1', 2));
    expect([await statusOf(a), await statusOf(b)]).toEqual(['processed', 'processed']);
  });

  test('Retry-After is the hold time in whole seconds, even past a minute', async () => {
    const { receiver } = ordered({ start: 1, holdMs: 90_500, maxHeldPerKey: 1 });
    const held = receiver.handle(update('c1', 2));
    await sleep(20);
    const over = await receiver.handle(update('c1', 3));
    expect(`${over.status} ${errorCode(over.body)}`).toBe('503 ordering_capacity');
    expect(over.headers['retry-after']).toBe('91');
    await receiver.handle(update('c1', 1));
    expect(await statusOf(held)).toBe('processed');
  });

  test('held events are bounded by the memory they really hold, not just their raw bytes', async () => {
    // Each event's body is under 100 bytes, but holding one keeps ~4 KiB on the heap: two do not fit in 6,000.
    const { receiver } = ordered({ start: 1, holdMs: 5_000, maxHeldBytes: 6_000 });
    const held = receiver.handle(update('c1', 3));
    await sleep(20);
    expect(await statusOf(receiver.handle(update('c2', 3)))).toBe('503 ordering_capacity');
    await receiver.handle(update('c1', 1));
    await receiver.handle(update('c1', 2));
    expect(await statusOf(held)).toBe('processed');
  });

  test('a sequence that is not an integer answers 400', async () => {
    const { receiver } = ordered({ start: 1 });
    const body = JSON.stringify({ type: 'customer.updated', data: { customer: 'c1', seq: 1.5 } });
    const res = await receiver.handle(post(signStandardWebhooks({ secret, body }), body));
    expect(res.status).toBe(400);
    expect(errorCode(res.body)).toBe('invalid_body');
  });

  test('an event without a key or sequence is processed unordered', async () => {
    const { receiver, seen } = ordered({ start: 1 });
    const body = JSON.stringify({ type: 'customer.updated', data: { customer: 'c1' } });
    expect(await statusOf(receiver.handle(post(signStandardWebhooks({ secret, body }), body)))).toBe('processed');
    expect(seen).toHaveLength(1);
  });

  test('with schemas, only events of a schema type are ordered, with typed key and sequence', async () => {
    const seen: string[] = [];
    const receiver = schemaOrdered(customerData, { holdMs: 100 });
    receiver.onAny((_e, ctx) => {
      seen.push(`${ctx.type}:${ctx.sequence ?? '-'}`);
    });
    const other = JSON.stringify({ type: 'invoice.paid', data: {} });
    expect(await statusOf(receiver.handle(post(signStandardWebhooks({ secret, body: other }), other)))).toBe(
      'processed',
    );
    expect(await statusOf(receiver.handle(update('c1', 1)))).toBe('processed');
    expect(seen).toEqual(['invoice.paid:-', 'customer.updated:1']);
  });

  test('a lease the store cannot renew must outlast the hold; a renewed one need not', () => {
    const memory = new MemoryStore();
    const order = { ...byCustomer, start: 1, holdMs: 5_000, store: memory } as OrderOptions<unknown>;
    expect(() => createReceiver({ scheme, dedupe: { store: fixedLeases(memory), leaseMs: 1_000 }, order })).toThrow(
      /leaseMs/,
    );
    expect(() => createReceiver({ scheme, dedupe: { store: memory, leaseMs: 1_000 }, order })).not.toThrow();
  });

  test('a held event keeps its claim past leaseMs: the lease is renewed while it waits', async () => {
    const store = new MemoryStore();
    const short = createReceiver({
      scheme,
      dedupe: { store, leaseMs: 60 },
      order: { ...byCustomer, start: 1, holdMs: 2_000, store } as OrderOptions<unknown>,
    }).onAny(() => {});
    const waiting = short.handle(update('r', 2));
    await sleep(200); // three leases long
    expect(await statusOf(short.handle(update('r', 2)))).toBe('409 delivery_in_flight');
    expect(await statusOf(short.handle(update('r', 1)))).toBe('processed');
    expect(await statusOf(waiting)).toBe('processed');
  });

  test('cursors are shared through the store: a second receiver on the same store continues the sequence', async () => {
    const store = new MemoryStore();
    const make = () => {
      const seen: number[] = [];
      const receiver = createReceiver({
        scheme,
        dedupe: { store },
        order: { ...byCustomer, start: 1 } as OrderOptions<unknown>,
      });
      receiver.onAny((event) => {
        seen.push((event as Update).data.seq);
      });
      return { receiver, seen };
    };
    const a = make();
    const b = make();
    const waiting = b.receiver.handle(update('c1', 2));
    await a.receiver.handle(update('c1', 1));
    expect(await statusOf(waiting)).toBe('processed');
    expect([a.seen, b.seen]).toEqual([[1], [2]]);
  });
});

describe('latest ordering', () => {
  test('older versions are acknowledged as stale and dropped; nothing waits; the newest may run again', async () => {
    const { receiver, seen } = ordered({ mode: 'latest' });
    const results = [];
    for (const seq of [5, 3, 7, 6, 7]) {
      results.push(await statusOf(receiver.handle(update('c1', seq, { id: `m${seq}-${results.length}` }))));
    }
    // The second 7 is another delivery of the newest version (a redelivery after a crash looks like this).
    expect(results).toEqual(['processed', 'stale', 'processed', 'stale', 'processed']);
    expect(seen.map((s) => s.seq)).toEqual([5, 7, 7]);
  });

  test('a process that dies mid-handler loses nothing: the retry of the newest version runs', async () => {
    const store = new MemoryStore();
    const make = (hang: boolean) => {
      const seen: number[] = [];
      const receiver = createReceiver({
        scheme,
        // The dying one cannot renew its claim, as a dead process cannot.
        dedupe: { store: hang ? fixedLeases(store) : store, leaseMs: 50 },
        order: { ...byCustomer, mode: 'latest', holdMs: 20 } as OrderOptions<unknown>,
      });
      receiver.onAny(async (event) => {
        if (hang) await new Promise(() => {}); // this "process" never finishes: it died
        seen.push((event as Update).data.seq);
      });
      return { receiver, seen };
    };
    const dying = make(true);
    const survivor = make(false);
    void dying.receiver.handle(update('c1', 4));
    await sleep(120); // the lease expires
    expect(await statusOf(survivor.receiver.handle(update('c1', 4)))).toBe('processed');
    expect(await statusOf(survivor.receiver.handle(update('c1', 3, { id: 'older' })))).toBe('stale');
    expect(survivor.seen).toEqual([4]);
  });

  test('timestamps work as versions; a failed handler rolls the cursor back so its retry runs', async () => {
    const t = Date.parse('2026-11-24T00:00:00Z');
    const { receiver, seen } = ordered({ mode: 'latest' }, (seq, attempt) => seq === t + 2 && attempt === 1);
    expect(await statusOf(receiver.handle(update('c1', t + 1)))).toBe('processed');
    expect(await statusOf(receiver.handle(update('c1', t + 2)))).toBe('500 handler_failed');
    expect(await statusOf(receiver.handle(update('c1', t + 2)))).toBe('processed');
    expect(seen.map((s) => s.seq - t)).toEqual([1, 2]);
  });
});

describe('ordering properties', () => {
  test('over random arrival orders and failures: no event runs before its predecessor, none runs twice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 12 }).chain((n) =>
          fc.record({
            order: fc.shuffledSubarray(
              Array.from({ length: n }, (_, i) => i + 1),
              { minLength: n, maxLength: n },
            ),
            failing: fc.subarray(Array.from({ length: n }, (_, i) => i + 1)),
          }),
        ),
        async ({ order, failing }) => {
          const customer = `p${Math.random()}`;
          const { receiver, seen } = ordered(
            { start: 1, holdMs: 100, maxHeldPerKey: 50 },
            (seq, attempt) => failing.includes(seq) && attempt === 1,
          );
          // Like a sender: deliver everything concurrently, then retry whatever was not 200, until all are.
          let pending = order;
          for (let round = 0; pending.length > 0 && round < 50; round++) {
            const results = await Promise.all(pending.map((seq) => receiver.handle(update(customer, seq))));
            pending = pending.filter((_, i) => results[i]!.status !== 200);
          }
          expect(pending).toEqual([]);
          expect(seen.map((s) => s.seq)).toEqual(Array.from({ length: order.length }, (_, i) => i + 1));
        },
      ),
      { numRuns: 25, endOnFailure: true },
    );
  }, 60_000);
});

describe('strict ordering: where keys start, and lost cursors', () => {
  test('strict mode requires start: no silent first-seen default', () => {
    expect(() => createReceiver({ scheme, order: { ...byCustomer } as OrderOptions<unknown> })).toThrow(
      /order.start is required in strict mode/,
    );
    expect(() =>
      createReceiver({ scheme, order: { ...byCustomer, mode: 'latest' } as OrderOptions<unknown> }),
    ).not.toThrow();
  });

  test('a key whose cursor expired (stateTtlMs) restarts at its next event instead of stalling forever', async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 50, stateTtlMs: 30, restartAfterMs: 0 });
    expect(await statusOf(receiver.handle(update('ttl', 1)))).toBe('processed');
    expect(await statusOf(receiver.handle(update('ttl', 2)))).toBe('processed');
    await sleep(60); // the cursor (2) expires
    expect(await statusOf(receiver.handle(update('ttl', 7)))).toBe('processed');
    expect(await statusOf(receiver.handle(update('ttl', 8)))).toBe('processed');
    expect(seen.map((s) => [s.seq, s.gap])).toEqual([
      [1, false],
      [2, false],
      [7, true],
      [8, false],
    ]);
  });

  test('a key whose cursor was evicted (maxCursors) restarts too', async () => {
    const store = new MemoryStore({ maxCursors: 1 });
    const { receiver, seen } = ordered({ start: 1, holdMs: 50, restartAfterMs: 0, store });
    expect(await statusOf(receiver.handle(update('a', 1)))).toBe('processed');
    expect(await statusOf(receiver.handle(update('b', 1)))).toBe('processed'); // evicts a's cursor
    expect(await statusOf(receiver.handle(update('a', 2)))).toBe('processed');
    expect(seen.map((s) => `${s.customer}${s.seq}${s.gap ? ' gap' : ''}`)).toEqual(['a1', 'b1', 'a2 gap']);
  });

  test('restartAfterMs: a key without a cursor waits that long in vain before it restarts (503 until then)', async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 40, restartAfterMs: 150 });
    expect(await statusOf(receiver.handle(update('late', 5)))).toBe('503 ordering_gap');
    expect(await statusOf(receiver.handle(update('late', 5)))).toBe('503 ordering_gap');
    await sleep(150);
    expect(await statusOf(receiver.handle(update('late', 5)))).toBe('processed');
    expect(seen.map((s) => [s.seq, s.gap])).toEqual([[5, true]]);
  });

  test('a shuffled burst on a new key still runs in order, and the restart picks the lowest held event', async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 100, restartAfterMs: 0 });
    // 1 never comes: after the hold, the key restarts at 2 (the lowest held), and 3, 4 follow in order.
    const results = await Promise.all([4, 3, 2].map((seq) => statusOf(receiver.handle(update('burst', seq)))));
    expect(results).toEqual(['processed', 'processed', 'processed']);
    expect(seen.map((s) => [s.seq, s.gap])).toEqual([
      [2, true],
      [3, false],
      [4, false],
    ]);
  });

  test('a handler failure on a new key does not let its successor restart the key by default', async () => {
    const { receiver, seen } = ordered({ start: 1, holdMs: 40 }, (seq, attempt) => seq === 1 && attempt === 1);
    const [first, second] = await Promise.all([receiver.handle(update('nf', 1)), receiver.handle(update('nf', 2))]);
    expect([await statusOf(Promise.resolve(first)), await statusOf(Promise.resolve(second))]).toEqual([
      '500 handler_failed',
      '503 ordering_gap',
    ]);
    expect(await statusOf(receiver.handle(update('nf', 1)))).toBe('processed');
    expect(await statusOf(receiver.handle(update('nf', 2)))).toBe('processed');
    expect(seen.map((s) => s.seq)).toEqual([1, 2]);
  });
});

describe('cursor-change subscriptions', () => {
  /** A MemoryStore whose change subscription fails the first `failures` times, by throwing or rejecting. */
  function flakySubscriptions(failures: number, how: 'throw' | 'reject') {
    const store = new MemoryStore();
    let attempts = 0;
    const subscribe = store.onCursorChange.bind(store);
    Object.assign(store, {
      onCursorChange: (listener: (key: string, cursor: number) => void) => {
        attempts++;
        if (attempts <= failures) {
          if (how === 'throw') throw new Error('SUBSCRIBE refused');
          return Promise.reject(new Error('SUBSCRIBE refused'));
        }
        return subscribe(listener);
      },
    });
    return { store, attempts: () => attempts };
  }

  test.each(['throw', 'reject'] as const)(
    'a subscription that fails (%s) leaves held events to the poll, and is tried again on a later hold',
    async (how) => {
      const { store, attempts } = flakySubscriptions(1, how);
      const { receiver, seen } = ordered({ start: 1, holdMs: 2_000, pollMs: 20, store });
      const second = receiver.handle(update('s', 2));
      await sleep(10);
      expect(await statusOf(receiver.handle(update('s', 1)))).toBe('processed');
      expect(await statusOf(second)).toBe('processed'); // woken by the poll
      expect(attempts()).toBe(1);
      await sleep(120); // past the retry pause (5 polls)
      const fourth = receiver.handle(update('s', 4));
      await sleep(10);
      expect(attempts()).toBe(2);
      expect(await statusOf(receiver.handle(update('s', 3)))).toBe('processed');
      expect(await statusOf(fourth)).toBe('processed');
      expect(seen.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
      await receiver.close();
    },
  );
});

describe('a custom dedupe key and a schema-rejected event', () => {
  test('a key function that throws on the unvalidated event leaves the 400, and the sequence still advances', async () => {
    const seen: number[] = [];
    const receiver = schemaOrdered(customerData.extend({ plan: z.object({ id: z.string() }) }), {
      holdMs: 2_000,
      dedupe: {
        key: (event) => `plan:${(event as { data: { plan: { id: string } } }).data.plan.id}:${Math.random()}`,
      },
    }).on('customer.updated', (event) => {
      seen.push(event.data.seq);
    });
    const send = (seq: number, plan?: { id: string }) => statusOf(receiver.handle(update('k', seq, { plan })));
    expect(await send(1, { id: 'p' })).toBe('processed');
    expect(await send(2)).toBe('400 schema_mismatch'); // no plan: the key function throws on it
    expect(await send(3, { id: 'p' })).toBe('processed');
    expect(seen).toEqual([1, 3]);
  });
});
