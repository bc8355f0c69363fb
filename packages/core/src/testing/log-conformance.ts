import { isHookgateError } from '../errors.js';
import { type DeliveryLog, type LogEntry, newEntryKey } from '../log/log.js';
import type { DeliveryOutcome } from '../types.js';
import { sleep } from './sleep.js';
import type { ConformanceTest } from './store-conformance.js';

/** Makes a log whose entries live under `prefix`, with the given bounds (each log's own defaults otherwise). */
export type MakeDeliveryLog = (options: {
  prefix: string;
  maxEntries?: number;
  ttlMs?: number;
}) => DeliveryLog | Promise<DeliveryLog>;

export interface DeliveryLogConformanceOptions {
  /** Retention used by the expiry test, in ms; raise it for a log with coarse expiry. Default 300. */
  shortMs?: number;
  /**
   * Awaited after the appends of each test before reading: for a log whose appends
   * land later than they resolve. Default none.
   */
  settle?: () => Promise<void>;
}

class ConformanceError extends Error {
  override readonly name = 'DeliveryLogConformanceError';
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

let serial = 0;

/** A plain metadata entry; `overrides` sets what the test is about. */
export function logEntryFixture(overrides: Partial<LogEntry> & { receivedAt?: number } = {}): LogEntry {
  const receivedAt = overrides.receivedAt ?? Date.now();
  serial++;
  return {
    key: newEntryKey(receivedAt),
    receivedAt,
    scheme: 'github',
    id: `delivery-${serial}`,
    type: 'issues.opened',
    dedupeKey: `github:delivery-${serial}`,
    orderingKey: undefined,
    sequence: undefined,
    outcome: 'processed',
    status: 200,
    code: undefined,
    verified: true,
    secretLabel: undefined,
    attempts: undefined,
    durationMs: 1.5,
    handlerMs: 0.75,
    replayOf: undefined,
    captured: false,
    capture: undefined,
    ...overrides,
  };
}

/**
 * The delivery log contract, as tests: what is appended comes back (bytes exact),
 * newest first, filtered and paged without gaps or repeats, bounded, and expiring.
 *
 *   import { test } from 'vitest';
 *   runDeliveryLogConformance(test, ({ prefix, maxEntries, ttlMs }) => new MyLog({ prefix, maxEntries, ttlMs }));
 */
export function runDeliveryLogConformance(
  test: ConformanceTest,
  makeLog: MakeDeliveryLog,
  options: DeliveryLogConformanceOptions = {},
): void {
  const shortMs = options.shortMs ?? 300;
  const settle = options.settle ?? (async () => {});
  const prefix = () => `log-conformance:${globalThis.crypto.randomUUID()}:`;
  const fresh = (bounds: { maxEntries?: number; ttlMs?: number } = {}) => makeLog({ prefix: prefix(), ...bounds });
  const base = Date.now() - 60_000;

  test('an appended entry comes back from get, with its capture byte for byte', async () => {
    const log = await fresh();
    const body = Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x0a, 0x7d]);
    const entry = logEntryFixture({
      outcome: 'failed',
      status: 500,
      code: 'handler_failed',
      secretLabel: 'current',
      orderingKey: 'cus_1',
      sequence: 7,
      captured: true,
      capture: {
        body,
        bodyBytes: body.length,
        headers: { 'content-type': 'application/json', 'x-github-event': 'issues' },
        envelope: { timestamp: 1_700_000_000, retryNum: 2, retryReason: 'timeout', rejection: undefined },
      },
    });
    await log.append(entry);
    await settle();
    const got = await log.get(entry.key);
    expect(got !== undefined, 'get returned nothing for an appended key');
    expect(got.key === entry.key && got.receivedAt === entry.receivedAt, 'key or receivedAt differ');
    expect(got.outcome === 'failed' && got.status === 500 && got.code === 'handler_failed', 'outcome differs');
    expect(got.scheme === 'github' && got.id === entry.id && got.type === entry.type, 'scheme, id or type differ');
    expect(got.dedupeKey === entry.dedupeKey && got.secretLabel === 'current', 'dedupeKey or secretLabel differ');
    expect(got.orderingKey === 'cus_1' && got.sequence === 7, 'ordering differs');
    expect(got.durationMs === 1.5 && got.handlerMs === 0.75 && got.verified, 'timings or verified differ');
    expect(got.attempts === 1, `expected attempts 1, got ${got.attempts}`);
    expect(got.captured && got.capture !== undefined, 'the capture is missing');
    expect(Buffer.compare(got.capture.body, body) === 0, 'the captured bytes differ');
    expect(got.capture.bodyBytes === body.length, 'bodyBytes differs');
    expect(got.capture.headers['x-github-event'] === 'issues', 'captured headers differ');
    expect(got.capture.envelope?.timestamp === 1_700_000_000, 'the captured envelope differs');
    expect(got.capture.envelope?.retryNum === 2 && got.capture.envelope.retryReason === 'timeout', 'retry differs');
  });

  test('get of an unknown key is undefined', async () => {
    const log = await fresh();
    expect((await log.get(newEntryKey(Date.now()))) === undefined, 'expected undefined');
  });

  test('list is newest first, without captures', async () => {
    const log = await fresh();
    const entries = [3, 1, 2].map((offset) =>
      logEntryFixture({
        receivedAt: base + offset * 1000,
        captured: true,
        capture: { body: Buffer.from('{}'), bodyBytes: 2, headers: {}, envelope: undefined },
      }),
    );
    for (const entry of entries) await log.append(entry);
    await settle();
    const page = await log.list();
    const times = page.entries.map((entry) => entry.receivedAt);
    expect(times.join() === [base + 3000, base + 2000, base + 1000].join(), `wrong order: ${times.join()}`);
    expect(
      page.entries.every((entry) => entry.captured && entry.capture === undefined),
      'list must flag captures without returning them',
    );
    expect(page.cursor === undefined, 'a last page has no cursor');
  });

  test('pages follow the cursor with no gap and no repeat', async () => {
    const log = await fresh();
    const keys: string[] = [];
    for (let index = 0; index < 25; index++) {
      const entry = logEntryFixture({ receivedAt: base + index * 10 });
      keys.push(entry.key);
      await log.append(entry);
    }
    await settle();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await log.list({ limit: 10, cursor });
      expect(page.entries.length <= 10, 'a page is longer than its limit');
      seen.push(...page.entries.map((entry) => entry.key));
      cursor = page.cursor;
      pages++;
    } while (cursor !== undefined && pages < 10);
    expect(pages === 3, `expected 3 pages, got ${pages}`);
    expect(seen.join() === [...keys].reverse().join(), 'the pages did not list every entry once, newest first');
  });

  test('filters by outcome, scheme, type, id and time', async () => {
    const log = await fresh();
    const outcomes: DeliveryOutcome[] = ['processed', 'failed', 'duplicate', 'failed', 'rejected', 'processed'];
    const appended = outcomes.map((outcome, index) =>
      logEntryFixture({
        receivedAt: base + index * 1000,
        outcome,
        status: outcome === 'failed' ? 500 : outcome === 'rejected' ? 401 : 200,
        scheme: index % 2 === 0 ? 'github' : 'stripe',
        type: index < 3 ? 'issues.opened' : 'push',
      }),
    );
    for (const entry of appended) await log.append(entry);
    await settle();
    const keysOf = async (query: Parameters<DeliveryLog['list']>[0]) =>
      (await log.list(query)).entries.map((entry) => entry.key).join();
    const expected = (indexes: number[]) =>
      indexes
        .map((index) => appended[index]?.key)
        .reverse()
        .join();
    expect((await keysOf({ outcome: 'failed' })) === expected([1, 3]), 'outcome filter');
    expect((await keysOf({ outcome: ['failed', 'rejected'] })) === expected([1, 3, 4]), 'several outcomes');
    expect((await keysOf({ scheme: 'stripe' })) === expected([1, 3, 5]), 'scheme filter');
    expect((await keysOf({ type: 'push' })) === expected([3, 4, 5]), 'type filter');
    expect((await keysOf({ id: appended[2]?.id })) === expected([2]), 'id filter');
    expect((await keysOf({ since: base + 2000, until: base + 4000 })) === expected([2, 3, 4]), 'time range');
    expect((await keysOf({ outcome: 'failed', scheme: 'github' })) === '', 'filters combine');
    const paged = await log.list({ outcome: 'processed', limit: 1 });
    expect(paged.entries[0]?.key === appended[5]?.key && paged.cursor !== undefined, 'a filtered first page');
    const next = await log.list({ outcome: 'processed', limit: 1, cursor: paged.cursor });
    expect(next.entries[0]?.key === appended[0]?.key && next.cursor === undefined, 'a filtered second page');
  });

  test('attempts counts the entries of one dedupe key; none without a key', async () => {
    const log = await fresh();
    const dedupeKey = `github:${globalThis.crypto.randomUUID()}`;
    const tries = [0, 1, 2].map((index) => logEntryFixture({ receivedAt: base + index, dedupeKey }));
    for (const entry of tries) await log.append(entry);
    const unkeyed = logEntryFixture({ dedupeKey: undefined, verified: false, outcome: 'rejected', status: 401 });
    await log.append(unkeyed);
    await settle();
    const counts = await Promise.all(tries.map(async (entry) => (await log.get(entry.key))?.attempts));
    expect(counts.join() === '1,2,3', `expected attempts 1,2,3, got ${counts.join()}`);
    expect((await log.get(unkeyed.key))?.attempts === undefined, 'an entry without a dedupe key has no attempts');
  });

  test('keeps at most maxEntries, dropping the oldest', async () => {
    const log = await fresh({ maxEntries: 5 });
    const entries = Array.from({ length: 8 }, (_, index) => logEntryFixture({ receivedAt: base + index }));
    for (const entry of entries) await log.append(entry);
    await settle();
    const page = await log.list({ limit: 100 });
    expect(page.entries.length === 5, `expected 5 entries, got ${page.entries.length}`);
    expect(page.entries.at(-1)?.key === entries[3]?.key, 'the oldest kept should be the 4th appended');
    expect((await log.get(entries[0]?.key ?? '')) === undefined, 'a dropped entry must be gone from get');
  });

  test(
    'entries past the retention are gone from list and get',
    async () => {
      const log = await fresh({ ttlMs: shortMs });
      const entry = logEntryFixture();
      await log.append(entry);
      await settle();
      expect((await log.get(entry.key)) !== undefined, 'the entry should be there at first');
      await sleep(shortMs * 3);
      expect((await log.get(entry.key)) === undefined, 'the entry should be gone from get');
      expect((await log.list()).entries.length === 0, 'the entry should be gone from list');
    },
    Math.max(5_000, shortMs * 20),
  );

  test('a bad query is a HookgateError invalid_log_query (400)', async () => {
    const log = await fresh();
    for (const query of [{ limit: 0 }, { limit: 1.5 }, { cursor: 'nope' }, { outcome: 'exploded' as never }]) {
      let caught: unknown;
      try {
        await log.list(query);
      } catch (error) {
        caught = error;
      }
      expect(
        isHookgateError(caught) && caught.code === 'invalid_log_query' && caught.status === 400,
        `expected invalid_log_query for ${JSON.stringify(query)}`,
      );
    }
  });

  test('two prefixes do not see each other', async () => {
    const first = await fresh();
    const second = await fresh();
    const entry = logEntryFixture();
    await first.append(entry);
    await settle();
    expect((await second.get(entry.key)) === undefined, 'get crossed prefixes');
    expect((await second.list()).entries.length === 0, 'list crossed prefixes');
  });
}
