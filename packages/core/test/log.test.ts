import {
  createReceiver,
  type DeliveryLog,
  envelopeFromJSON,
  github,
  type HookgateError,
  isHookgateError,
  type LogEntry,
  MemoryDeliveryLog,
  MemoryStore,
  type QueueMessage,
  type QueueSink,
  standardWebhooks,
} from '@hookgate/core';
import { runDeliveryLogConformance, signGitHub, signStandardWebhooks } from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { post } from './helpers.js';

const SECRET = 'gh-secret-for-log-tests';
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('MemoryDeliveryLog conformance', () => {
  runDeliveryLogConformance(test, ({ maxEntries, ttlMs }) => {
    const options: { maxEntries?: number; ttlMs?: number } = {};
    if (maxEntries !== undefined) options.maxEntries = maxEntries;
    if (ttlMs !== undefined) options.ttlMs = ttlMs;
    return new MemoryDeliveryLog(options);
  });
});

function githubDelivery(body: string, delivery: string = crypto.randomUUID(), event = 'issues') {
  return post(
    { ...signGitHub({ secret: SECRET, body, event, delivery }), 'content-type': 'application/json', cookie: 'sid=1' },
    body,
  );
}

async function rejects(promise: Promise<unknown>): Promise<HookgateError> {
  try {
    await promise;
  } catch (error) {
    if (isHookgateError(error)) return error;
    throw error;
  }
  throw new Error('expected a HookgateError');
}

describe('the receiver writes the log', () => {
  test('one entry per delivery, metadata only by default, with attempts', async () => {
    const log = new MemoryDeliveryLog();
    const receiver = createReceiver({ scheme: standardWebhooks({ secret: SW_SECRET }), log: { store: log } });
    receiver.on('invoice.paid', () => {});
    const body = JSON.stringify({ type: 'invoice.paid', data: {} });
    const headers = signStandardWebhooks({ secret: SW_SECRET, id: 'msg_1', body });
    expect((await receiver.handle(post(headers, body))).status).toBe(200);
    expect((await receiver.handle(post(headers, body))).status).toBe(200);
    expect((await receiver.handle(post({ ...headers, 'webhook-signature': 'v1,AAAA' }, body))).status).toBe(401);
    const { entries } = log.list();
    expect(entries.map((entry) => entry.outcome)).toEqual(['rejected', 'duplicate', 'processed']);
    const [rejected, duplicate, processed] = entries as [LogEntry, LogEntry, LogEntry];
    expect(processed).toMatchObject({
      scheme: 'standard-webhooks',
      id: 'msg_1',
      type: 'invoice.paid',
      dedupeKey: 'standard-webhooks:msg_1',
      status: 200,
      verified: true,
      attempts: 1,
      captured: false,
    });
    expect(duplicate.attempts).toBe(2);
    expect(rejected).toMatchObject({ verified: false, status: 401, code: 'invalid_signature', captured: false });
    expect(rejected.dedupeKey).toBeUndefined();
    expect(processed.durationMs).toBeGreaterThan(0);
    expect(log.get(processed.key)?.capture).toBeUndefined();
  });

  test("capture 'failed' keeps the bytes and allow-listed headers of failed deliveries only", async () => {
    const log = new MemoryDeliveryLog();
    const receiver = createReceiver({ scheme: github({ secret: SECRET }), log: { store: log, capture: 'failed' } });
    let fail = true;
    receiver.on('issues.opened', () => {
      if (fail) throw new Error('database down');
    });
    const body = JSON.stringify({ action: 'opened', issue: { number: 1 } });
    expect((await receiver.handle(githubDelivery(body))).status).toBe(500);
    fail = false;
    expect((await receiver.handle(githubDelivery(body))).status).toBe(200);
    const [ok, failed] = log.list().entries as [LogEntry, LogEntry];
    expect(ok.captured).toBe(false);
    expect(failed.captured).toBe(true);
    const capture = log.get(failed.key)?.capture;
    expect(capture?.body.toString()).toBe(body);
    expect(capture?.headers).toEqual({
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': failed.id,
    });
  });

  test('a signature, authorization or cookie header is never stored, even when allow-listed by mistake', async () => {
    const log = new MemoryDeliveryLog();
    const scheme = standardWebhooks({ secret: SW_SECRET });
    for (const name of ['authorization', 'cookie', 'webhook-signature', 'x-hub-signature-256', 'x-api-key']) {
      expect(() => createReceiver({ scheme, log: { store: log, captureHeaders: [name] } }), name).toThrow(
        /never captured/,
      );
    }
    const receiver = createReceiver({
      scheme,
      log: { store: log, capture: 'all', captureHeaders: ['x-request-id', 'x-forwarded-for'] },
    });
    const body = JSON.stringify({ type: 'anything' });
    const headers: Record<string, string> = {
      ...signStandardWebhooks({ secret: SW_SECRET, body }),
      authorization: 'Bearer secret-token',
      cookie: 'session=abc',
      'x-request-id': 'req-1',
      'x-other': 'not allow-listed',
    };
    await receiver.handle(post(headers, body));
    const entry = log.get(log.list().entries[0]?.key ?? '');
    expect(entry?.capture?.headers).toEqual({
      'webhook-id': headers['webhook-id'],
      'webhook-timestamp': headers['webhook-timestamp'],
      'x-request-id': 'req-1',
    });
    const stored = JSON.stringify(entry);
    for (const secret of ['secret-token', 'session=abc', headers['webhook-signature'] ?? '']) {
      expect(stored).not.toContain(secret);
    }
  });

  test('capture is cut at captureBytes, and a cut body cannot be replayed', async () => {
    const log = new MemoryDeliveryLog();
    const receiver = createReceiver({
      scheme: github({ secret: SECRET }),
      log: { store: log, capture: 'all', captureBytes: 32 },
    });
    receiver.on('issues.opened', () => {});
    const body = JSON.stringify({ action: 'opened', padding: 'x'.repeat(200) });
    await receiver.handle(githubDelivery(body));
    const [entry] = log.list().entries as [LogEntry];
    const capture = log.get(entry.key)?.capture;
    expect(capture?.body.length).toBe(32);
    expect(capture?.body.toString()).toBe(body.slice(0, 32));
    expect(capture?.bodyBytes).toBe(Buffer.byteLength(body));
    const error = await rejects(receiver.replay(entry.key));
    expect(error.code).toBe('not_replayable');
    expect(error.message).toMatch(/captureBytes/);
  });

  test('forged deliveries are logged without their bytes, even with capture all', async () => {
    const log = new MemoryDeliveryLog();
    const receiver = createReceiver({ scheme: github({ secret: SECRET }), log: { store: log, capture: 'all' } });
    const body = JSON.stringify({ action: 'opened' });
    const forged = post({ ...signGitHub({ secret: 'wrong', body, event: 'issues' }) }, body);
    expect((await receiver.handle(forged)).status).toBe(401);
    const [entry] = log.list().entries as [LogEntry];
    expect(entry).toMatchObject({ outcome: 'rejected', verified: false, captured: false });
  });

  test('a failing or slow log never changes the answer; the failure goes to onError', async () => {
    const failing: DeliveryLog = {
      append: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      list: () => ({ entries: [], cursor: undefined }),
      get: () => undefined,
    };
    const throwing: DeliveryLog = {
      ...failing,
      append: () => {
        throw new Error('boom');
      },
    };
    for (const store of [failing, throwing]) {
      const errors: HookgateError[] = [];
      const receiver = createReceiver({ scheme: github({ secret: SECRET }), log: { store, capture: 'all' } });
      receiver.on('issues.opened', () => {});
      receiver.onError((error) => errors.push(error));
      const response = await receiver.handle(githubDelivery(JSON.stringify({ action: 'opened' })));
      expect(response.status).toBe(200);
      await receiver.close();
      expect(errors.map((error) => error.code)).toEqual(['log_unavailable']);
    }
    // A log that never answers: past maxPending, entries are dropped (and said so), answers unchanged.
    const hanging: DeliveryLog = { ...failing, append: () => new Promise(() => {}) };
    const errors: HookgateError[] = [];
    const receiver = createReceiver({ scheme: github({ secret: SECRET }), log: { store: hanging, maxPending: 2 } });
    receiver.on('issues.opened', () => {});
    receiver.onError((error) => errors.push(error));
    for (let index = 0; index < 5; index++) {
      const response = await receiver.handle(githubDelivery(JSON.stringify({ action: 'opened' })));
      expect(response.status).toBe(200);
    }
    expect(errors.map((error) => error.code)).toEqual(['log_unavailable']);
    expect(errors[0]?.message).toMatch(/behind/);
  });
});

describe('receiver.replay', () => {
  function githubReceiver(log: MemoryDeliveryLog) {
    const seen: { number: number; replay: boolean; delivery: string | undefined }[] = [];
    let broken = true;
    const receiver = createReceiver({
      scheme: github({ secret: SECRET }),
      dedupe: { store: new MemoryStore() },
      events: { 'issues.opened': z.object({ action: z.literal('opened'), issue: z.object({ number: z.number() }) }) },
      log: { store: log, capture: 'failed' },
    });
    receiver.on('issues.opened', (event, ctx) => {
      if (broken) throw new Error('bug in the handler');
      seen.push({ number: event.issue.number, replay: ctx.replay, delivery: ctx.id });
    });
    return { receiver, seen, fix: () => (broken = false) };
  }

  test('a failed GitHub delivery, captured, runs once after the fix; again is a duplicate unless forced', async () => {
    const log = new MemoryDeliveryLog();
    const { receiver, seen, fix } = githubReceiver(log);
    const body = JSON.stringify({ action: 'opened', issue: { number: 42 } });
    const delivery = crypto.randomUUID();
    expect((await receiver.handle(githubDelivery(body, delivery))).status).toBe(500);
    const [failed] = log.list({ outcome: 'failed' }).entries as [LogEntry];
    expect(failed).toMatchObject({ id: delivery, captured: true, code: 'handler_failed' });

    fix();
    const first = await receiver.replay(failed.key);
    expect(first).toMatchObject({ outcome: 'processed', status: 200, forced: false, replayOf: failed.key });
    expect(seen).toEqual([{ number: 42, replay: true, delivery }]);
    expect(log.get(first.logKey)).toMatchObject({ outcome: 'processed', replayOf: failed.key, attempts: 2 });

    const second = await receiver.replay(failed.key);
    expect(second.outcome).toBe('duplicate');
    expect(seen).toHaveLength(1);
    // The sender's own redelivery of it is still a duplicate.
    expect(JSON.parse((await receiver.handle(githubDelivery(body, delivery))).body)).toMatchObject({
      status: 'duplicate',
    });

    const forced = await receiver.replay(failed.key, { force: true, forceKey: 'click-1' });
    expect(forced).toMatchObject({ outcome: 'processed', forced: true });
    expect(seen).toHaveLength(2);
    // The same forced run again (a double click) is a duplicate of it; a new forceKey runs again.
    expect((await receiver.replay(failed.key, { force: true, forceKey: 'click-1' })).outcome).toBe('duplicate');
    expect((await receiver.replay(failed.key, { force: true })).outcome).toBe('processed');
    expect(seen).toHaveLength(3);
    // The original's processed mark stayed: a plain replay is still a duplicate.
    expect((await receiver.replay(failed.key)).outcome).toBe('duplicate');
  });

  test('force on a delivery never completed runs it under its own key (no force needed)', async () => {
    const log = new MemoryDeliveryLog();
    const { receiver, seen, fix } = githubReceiver(log);
    await receiver.handle(githubDelivery(JSON.stringify({ action: 'opened', issue: { number: 7 } })));
    const [failed] = log.list().entries as [LogEntry];
    fix();
    const result = await receiver.replay(failed.key, { force: true });
    expect(result).toMatchObject({ outcome: 'processed', forced: false });
    expect(log.get(result.logKey)?.dedupeKey).toBe(failed.dedupeKey);
    expect(seen).toHaveLength(1);
  });

  test('force is refused while the original is being processed', async () => {
    const log = new MemoryDeliveryLog();
    const store = new MemoryStore();
    const receiver = createReceiver({
      scheme: github({ secret: SECRET }),
      dedupe: { store },
      log: { store: log, capture: 'all' },
    });
    const ran: string[] = [];
    receiver.on('issues.opened', (_event, ctx) => {
      ran.push(ctx.id ?? '');
    });
    // Another process holds the claim on d-2 (it is running it now): the delivery here is answered 409.
    expect((await store.claim('github:d-2', 60_000)).status).toBe('claimed');
    expect((await receiver.handle(githubDelivery(JSON.stringify({ action: 'opened' }), 'd-2'))).status).toBe(409);
    const [inFlight] = log.list({ outcome: 'in-flight' }).entries as [LogEntry];
    expect(inFlight.captured).toBe(true);
    const error = await rejects(receiver.replay(inFlight.key, { force: true }));
    expect(error.code).toBe('delivery_in_flight');
    expect(ran).toEqual([]);
  });

  test('clear errors: no log, unknown key, logged without capture, refused before processing', async () => {
    const scheme = github({ secret: SECRET });
    expect((await rejects(createReceiver({ scheme }).replay('whatever'))).code).toBe('invalid_configuration');
    const log = new MemoryDeliveryLog();
    const receiver = createReceiver({
      scheme,
      log: { store: log },
      events: { 'issues.opened': z.object({ action: z.literal('opened'), n: z.number() }) },
    });
    receiver.on('issues.opened', () => {
      throw new Error('fails');
    });
    expect((await rejects(receiver.replay('0000000000-000000000000'))).code).toBe('log_entry_not_found');
    expect((await rejects(receiver.replay('nonsense'))).code).toBe('log_entry_not_found');
    expect((await receiver.handle(githubDelivery(JSON.stringify({ action: 'opened', n: 1 })))).status).toBe(500);
    const [metadataOnly] = log.list().entries as [LogEntry];
    const error = await rejects(receiver.replay(metadataOnly.key));
    expect(error.code).toBe('not_replayable');
    expect(error.message).toMatch(/log\.capture/);

    const capturing = new MemoryDeliveryLog();
    const strict = createReceiver({
      scheme,
      log: { store: capturing, capture: 'failed' },
      events: { 'issues.opened': z.object({ action: z.literal('opened'), n: z.number() }) },
    });
    expect((await strict.handle(githubDelivery(JSON.stringify({ action: 'opened' })))).status).toBe(400);
    const [mismatch] = capturing.list().entries as [LogEntry];
    expect(mismatch.captured).toBe(true); // kept to read: what arrived
    const refused = await rejects(strict.replay(mismatch.key));
    expect(refused.code).toBe('not_replayable');
    expect(refused.message).toMatch(/schema_mismatch/);
  });

  test('replay re-parses the captured bytes with the scheme (a Slack-style form body stays a form)', async () => {
    const log = new MemoryDeliveryLog();
    const receiver = createReceiver({
      scheme: standardWebhooks({ secret: SW_SECRET }),
      log: { store: log, capture: 'all' },
    });
    const payloads: unknown[] = [];
    receiver.onAny((event, ctx) => {
      payloads.push({ event, replay: ctx.replay, raw: ctx.rawBody.toString() });
    });
    const body = '{"type":"a.b","n":1.50}';
    await receiver.handle(post(signStandardWebhooks({ secret: SW_SECRET, body }), body));
    const [entry] = log.list().entries as [LogEntry];
    await receiver.replay(entry.key, { force: true });
    expect(payloads).toEqual([
      { event: { type: 'a.b', n: 1.5 }, replay: false, raw: body },
      { event: { type: 'a.b', n: 1.5 }, replay: true, raw: body },
    ]);
  });
});

describe('replay in durable mode', () => {
  test('the replay is queued for the workers, whose handlers see ctx.replay; it runs once', async () => {
    const store = new MemoryStore();
    const log = new MemoryDeliveryLog();
    const jobs: QueueMessage[] = [];
    // A QueueSink of our own: the port's contract is "resolve once queued".
    const queue: QueueSink = {
      enqueue: async (message) => {
        jobs.push(message);
      },
    };
    const web = createReceiver({
      scheme: github({ secret: SECRET }),
      dedupe: { store },
      queue,
      log: { store: log, capture: 'all' },
    });
    let broken = true;
    const seen: [number, boolean][] = [];
    const worker = createReceiver({ scheme: github({ secret: SECRET }), dedupe: { store } }).on(
      'issues.opened',
      (event, ctx) => {
        if (broken) throw new Error('bug');
        seen.push([(event as { issue: { number: number } }).issue.number, ctx.replay]);
      },
    );
    const body = JSON.stringify({ action: 'opened', issue: { number: 7 } });
    const response = await web.handle(githubDelivery(body));
    expect([response.status, JSON.parse(response.body)]).toEqual([202, { status: 'queued' }]);
    // The worker fails it (in production: until its attempts run out and it is dead-lettered).
    expect((await worker.process(envelopeFromJSON(jobs[0]?.envelope))).outcome).toBe('failed');

    broken = false;
    const [queued] = log.list({ outcome: 'queued' }).entries as [LogEntry];
    const replayed = await web.replay(queued.key);
    expect(replayed).toMatchObject({ outcome: 'queued', status: 202, forced: false, replayOf: queued.key });
    expect(jobs).toHaveLength(2);
    expect(jobs[1]?.key).toBeUndefined(); // its own job, whatever the queue still holds of the original's
    expect(jobs[1]?.envelope.replay).toBe(true);
    expect((await worker.process(envelopeFromJSON(jobs[1]?.envelope))).outcome).toBe('processed');
    expect(seen).toEqual([[7, true]]);
    // Queued twice (a double click), the job runs once.
    await web.replay(queued.key);
    expect((await worker.process(envelopeFromJSON(jobs[2]?.envelope))).outcome).toBe('duplicate');
    expect(seen).toHaveLength(1);
  });
});
