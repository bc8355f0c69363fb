import diagnostics from 'node:diagnostics_channel';
import {
  createReceiver,
  type DeliveryRecord,
  type HookgateError,
  MemoryStore,
  type Receiver,
  type ReceiverOptions,
  type ReceiverRequest,
  type ReceiverResponse,
  standardWebhooks,
} from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { sleep } from '../../../test/support/time.js';
import { capturedAnswers, deferred, errorCode, onlyAnswer, post } from './helpers.js';
import { installContextManager, onlySpan, otelHarness } from './otel-helpers.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const scheme = standardWebhooks({ secret });
const SPAN = 'webhook standard-webhooks';

function delivery(id: string, payload: Record<string, unknown> = {}, forged = false) {
  const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1' }, ...payload });
  const headers = signStandardWebhooks({ secret: forged ? 'whsec_bm90IHRoZSByaWdodCBzZWNyZXQ=' : secret, body, id });
  return post(headers, body);
}

/** The defaults: no OpenTelemetry SDK is registered in this file and there is no logger, so nothing makes a delivery wait. */
function plainReceiver(options: Partial<ReceiverOptions> = {}) {
  return createReceiver({ scheme, ...options });
}

/** Calls handleInto, keeping every answer it gives. */
function into(receiver: Pick<Receiver, 'handleInto'>, request: ReceiverRequest) {
  return capturedAnswers((respond) => receiver.handleInto(request, respond));
}

describe('handleInto with every step synchronous (MemoryStore, node:crypto, sync handlers)', () => {
  test('responds once, before it returns, with what handle answers', async () => {
    const seen: string[] = [];
    const receiver = plainReceiver({ dedupe: { store: new MemoryStore() } }).on('invoice.paid', (_event, ctx) => {
      seen.push(ctx.id ?? '');
    });
    const call = into(receiver, delivery('msg_sync'));
    expect(call.atReturn).toBe(1);
    expect(seen).toEqual(['msg_sync']);
    const response = await onlyAnswer(call);
    expect(response.status).toBe(200);

    const other = plainReceiver().on('invoice.paid', () => {});
    expect(response).toEqual(await other.handle(delivery('msg_sync')));
  });

  test('a bad signature: 401 at once, as handle answers it, and the handler does not run', async () => {
    let runs = 0;
    const receiver = plainReceiver().on('invoice.paid', () => {
      runs++;
    });
    const call = into(receiver, delivery('msg_forged', {}, true));
    expect(call.atReturn).toBe(1);
    const response = await onlyAnswer(call);
    expect(response.status).toBe(401);
    expect(errorCode(response.body)).toBe('invalid_signature');
    expect(response).toEqual(await receiver.handle(delivery('msg_forged', {}, true)));
    expect(runs).toBe(0);
  });

  test('a handler that throws: 500 at once, as handle answers it, told to onError once', async () => {
    const heard: string[] = [];
    const receiver = plainReceiver()
      .on('invoice.paid', () => {
        throw new Error('boom');
      })
      .onError((error: HookgateError) => {
        heard.push(error.code);
      });
    const call = into(receiver, delivery('msg_throws'));
    expect(call.atReturn).toBe(1);
    const response = await onlyAnswer(call);
    expect(response.status).toBe(500);
    expect(heard).toHaveLength(1);

    // The failure released the claim: handle meets the same failure and answers alike.
    expect(response).toEqual(await receiver.handle(delivery('msg_throws')));
    expect(heard).toHaveLength(2);
    expect(heard[1]).toBe(heard[0]);
  });

  test('a duplicate: 200 {status: duplicate} at once, as handle answers it, without running the handler again', async () => {
    let runs = 0;
    const receiver = plainReceiver().on('invoice.paid', () => {
      runs++;
    });
    const first = into(receiver, delivery('msg_dup'));
    expect((await onlyAnswer(first)).status).toBe(200);

    const again = into(receiver, delivery('msg_dup'));
    expect(again.atReturn).toBe(1);
    const response = await onlyAnswer(again);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ status: 'duplicate' });
    expect(response).toEqual(await receiver.handle(delivery('msg_dup')));
    expect(runs).toBe(1);
  });

  test.each([
    ['a GET', { method: 'GET' }, 405],
    ['a body over maxBodyBytes', { body: JSON.stringify({ type: 'invoice.paid', pad: 'x'.repeat(200) }) }, 413],
  ])('%s is refused at once, as handle refuses it', async (_what, change, status) => {
    const receiver = plainReceiver({ maxBodyBytes: 100 }).on('invoice.paid', () => {});
    const request = { ...delivery('msg_refused'), ...change };
    const call = into(receiver, request);
    expect(call.atReturn).toBe(1);
    const response = await onlyAnswer(call);
    expect(response.status).toBe(status);
    expect(response).toEqual(await receiver.handle(request));
  });

  test('a respond that throws: the throw comes out of handleInto, and respond is not called again', () => {
    const receiver = plainReceiver().on('invoice.paid', () => {});
    const responses: ReceiverResponse[] = [];
    expect(() =>
      receiver.handleInto(delivery('msg_respond_throws'), (response) => {
        responses.push(response);
        throw new Error('the socket is gone');
      }),
    ).toThrow('the socket is gone');
    expect(responses.map((response) => response.status)).toEqual([200]);
  });
});

describe('handleInto when a step is asynchronous', () => {
  test('an async handler: respond comes after handleInto returned, once the handler settles, with what handle answers', async () => {
    const gate = deferred();
    const receiver = plainReceiver().on('invoice.paid', async () => {
      await gate.promise;
    });
    const call = into(receiver, delivery('msg_async'));
    expect(call.atReturn).toBe(0);
    await sleep(5);
    expect(call.answers).toEqual([]);
    gate.resolve();
    const response = await onlyAnswer(call);
    expect(response.status).toBe(200);

    const other = plainReceiver().on('invoice.paid', async () => {
      await Promise.resolve();
    });
    expect(response).toEqual(await other.handle(delivery('msg_async')));
  });

  test('an async handler that rejects: 500 later, as handle answers it', async () => {
    const receiver = plainReceiver().on('invoice.paid', async () => {
      await Promise.resolve();
      throw new Error('later boom');
    });
    const call = into(receiver, delivery('msg_async_fail'));
    expect(call.atReturn).toBe(0);
    const response = await onlyAnswer(call);
    expect(response.status).toBe(500);
    expect(response).toEqual(await receiver.handle(delivery('msg_async_fail')));
  });

  test('a respond that throws when answering later: onError hears the throw, nothing is left unhandled', async () => {
    const heard: HookgateError[] = [];
    const receiver = plainReceiver()
      .on('invoice.paid', async () => {
        await Promise.resolve();
      })
      .onError((error) => heard.push(error));
    const calls: number[] = [];
    receiver.handleInto(delivery('msg_async_throw'), (response) => {
      calls.push(response.status);
      throw new Error('the adapter broke');
    });
    await sleep(5);
    expect(calls).toEqual([200]);
    expect(heard).toHaveLength(1);
    expect(heard[0]?.code).toBe('internal_error');
    expect(String((heard[0]?.cause as Error | undefined)?.message ?? heard[0]?.message)).toContain('the adapter broke');
  });

  test('a copy of a delivery still running: 409 at once; the first answers 200 later', async () => {
    const gate = deferred();
    const receiver = plainReceiver().on('invoice.paid', async () => {
      await gate.promise;
    });
    const first = into(receiver, delivery('msg_inflight'));
    const copy = into(receiver, delivery('msg_inflight'));
    expect([first.atReturn, copy.atReturn]).toEqual([0, 1]);
    expect(copy.answers[0]?.status).toBe(409);
    expect(errorCode(copy.answers[0]!.body)).toBe('delivery_in_flight');
    gate.resolve();
    expect((await onlyAnswer(first)).status).toBe(200);
    expect((await onlyAnswer(copy)).status).toBe(409);
  });
});

describe('handleInto with observability on', () => {
  let uninstall: () => void;
  beforeAll(() => {
    uninstall = installContextManager();
  });
  afterAll(() => uninstall());

  const otel = otelHarness();
  afterEach(() => otel.reset());
  afterAll(() => otel.shutdown());

  const traced = () =>
    createReceiver({ scheme, tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider });

  test('OpenTelemetry: one answer, the delivery span ended by then, and the handler ran inside it', async () => {
    const active: (string | undefined)[] = [];
    const receiver = traced().on('invoice.paid', () => {
      active.push(trace.getActiveSpan()?.spanContext().spanId);
    });
    const spansAtAnswer: string[][] = [];
    const responses: ReceiverResponse[] = [];
    const answered = new Promise<void>((resolve) => {
      receiver.handleInto(delivery('msg_traced'), (response) => {
        responses.push(response);
        spansAtAnswer.push(otel.spans().map((span) => span.name));
        resolve();
      });
    });
    await answered;
    await sleep(5);
    expect(responses.map((response) => response.status)).toEqual([200]);
    expect(spansAtAnswer).toEqual([[SPAN]]);

    const span = onlySpan(otel.spans(), SPAN);
    expect(span.attributes).toMatchObject({
      'hookgate.delivery.id': 'msg_traced',
      'hookgate.outcome': 'processed',
      'hookgate.response.status_code': 200,
    });
    expect(active).toEqual([span.spanContext().spanId]);
  });

  test('OpenTelemetry: failures are answered once, as handle answers them, each with its span', async () => {
    const receiver = traced().on('invoice.paid', () => {
      throw new Error('boom');
    });
    const forged = await onlyAnswer(into(receiver, delivery('msg_t_forged', {}, true)));
    const failed = await onlyAnswer(into(receiver, delivery('msg_t_failed')));
    expect([forged.status, failed.status]).toEqual([401, 500]);
    expect(
      otel
        .spans()
        .map((span) => [span.attributes['hookgate.outcome'], span.attributes['hookgate.response.status_code']]),
    ).toEqual([
      ['rejected', 401],
      ['failed', 500],
    ]);
    otel.reset();
    expect(forged).toEqual(await receiver.handle(delivery('msg_t_forged', {}, true)));
    expect(failed).toEqual(await receiver.handle(delivery('msg_t_failed')));
  });

  test('observe: the record is made before respond, which still comes at once', async () => {
    const records: DeliveryRecord[] = [];
    const order: string[] = [];
    const receiver = plainReceiver({
      observe: (record) => {
        records.push(record);
        order.push('observe');
      },
    }).on('invoice.paid', () => {});
    const responses: ReceiverResponse[] = [];
    receiver.handleInto(delivery('msg_observed'), (response) => {
      responses.push(response);
      order.push('respond');
    });
    expect(order).toEqual(['observe', 'respond']);
    await sleep(5);
    expect(responses.map((response) => response.status)).toEqual([200]);
    expect(records).toEqual([
      expect.objectContaining({ outcome: 'processed', status: 200, id: 'msg_observed', verified: true }),
    ]);
  });

  test('the hookgate:handle diagnostics channel: one answer, and the channel carries the record', async () => {
    const events: [string, Record<string, unknown>][] = [];
    const channel = diagnostics.tracingChannel('hookgate:handle');
    const record = (kind: string) => (message: unknown) =>
      events.push([kind, { ...(message as Record<string, unknown>) }]);
    const handlers = {
      start: record('start'),
      end: record('end'),
      asyncStart: record('asyncStart'),
      asyncEnd: record('asyncEnd'),
      error: record('error'),
    };
    channel.subscribe(handlers);
    try {
      const receiver = plainReceiver().on('invoice.paid', () => {});
      const response = await onlyAnswer(into(receiver, delivery('msg_channel')));
      expect(response.status).toBe(200);
      expect(events.map(([kind]) => kind)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      expect(events.at(-1)?.[1]).toMatchObject({
        operation: 'handle',
        result: { status: 200 },
        record: { outcome: 'processed', id: 'msg_channel' },
      });
    } finally {
      channel.unsubscribe(handlers);
    }
  });
});
