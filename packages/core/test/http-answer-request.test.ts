import { createReceiver, standardWebhooks } from '@hookgate/core';
import {
  type AdaptableReceiver,
  answerRequest,
  checkResponse,
  HookgateError,
  type ReceiverRequest,
  type ReceiverResponse,
} from '@hookgate/core/http';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { sleep } from '../../../test/support/time.js';
import { capturedAnswers, deferred, errorCode, onlyAnswer, post } from './helpers.js';

const request: ReceiverRequest = { method: 'POST', url: '/webhooks', headers: {}, body: '{}' };
const ok: ReceiverResponse = { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
/** What a receiver's own `reject` gives back: tells apart its answer from the default one. */
const rejected: ReceiverResponse = { status: 503, headers: { 'x-from': 'reject' }, body: 'rejected' };

/** Calls answerRequest, keeping every answer it gives. */
function answering(receiver: AdaptableReceiver, req: ReceiverRequest = request) {
  return capturedAnswers((respond) => answerRequest(receiver, req, respond));
}

function expectInternalError(response: ReceiverResponse): void {
  expect(response.status).toBe(500);
  expect(response.headers['content-type']).toBe('application/json');
  expect(errorCode(response.body)).toBe('internal_error');
}

describe('answerRequest with a receiver that only has handle', () => {
  test('a handle that resolves: its answer, once, given the request as it came', async () => {
    const seen: ReceiverRequest[] = [];
    const receiver: AdaptableReceiver = {
      maxBodyBytes: 10,
      handle: async (req) => {
        seen.push(req);
        return ok;
      },
    };
    const call = answering(receiver);
    // A promise settles later: nothing is answered before answerRequest returns.
    expect(call.atReturn).toBe(0);
    expect(await onlyAnswer(call)).toBe(ok);
    expect(seen).toEqual([request]);
  });

  test('a handle that resolves later: answered when it does', async () => {
    const gate = deferred<ReceiverResponse>();
    const call = answering({ maxBodyBytes: 10, handle: () => gate.promise });
    await sleep(5);
    expect(call.answers).toEqual([]);
    gate.resolve(ok);
    expect(await onlyAnswer(call)).toBe(ok);
  });

  test.each([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
    ],
    ['rejects', () => Promise.reject(new Error('boom'))],
  ])('a handle that %s, without reject: one 500 internal_error JSON answer', async (_how, handle) => {
    const call = answering({ maxBodyBytes: 10, handle });
    expectInternalError(await onlyAnswer(call));
  });

  test.each([
    [
      'throws',
      () => {
        throw new Error('boom');
      },
    ],
    ['rejects', () => Promise.reject(new Error('boom'))],
  ])(
    'a handle that %s, with reject: the answer reject gives, for the failure as a HookgateError',
    async (_how, handle) => {
      const failures: unknown[] = [];
      const call = answering({
        maxBodyBytes: 10,
        handle,
        reject: (error) => {
          failures.push(error);
          return rejected;
        },
      });
      expect(await onlyAnswer(call)).toBe(rejected);
      expect(failures).toHaveLength(1);
      const failure = failures[0] as HookgateError;
      expect(failure).toBeInstanceOf(HookgateError);
      expect(failure.code).toBe('internal_error');
      expect((failure.cause as Error).message).toBe('boom');
    },
  );

  test('a handle that throws synchronously is answered before answerRequest returns', () => {
    const call = answering({
      maxBodyBytes: 10,
      handle: () => {
        throw new Error('boom');
      },
    });
    expect(call.atReturn).toBe(1);
    expectInternalError(call.answers[0]!);
  });

  test('a HookgateError from handle keeps its own code and status', async () => {
    const call = answering({
      maxBodyBytes: 10,
      handle: () => Promise.reject(new HookgateError('store_unavailable', 'The dedupe store is unavailable')),
    });
    const response = await onlyAnswer(call);
    expect(response.status).toBe(503);
    expect(errorCode(response.body)).toBe('store_unavailable');
  });
});

describe('answerRequest with a receiver that has handleInto', () => {
  /** A handle that must not be used: handleInto is. */
  const unused = () => Promise.reject(new Error('handle was called instead of handleInto'));

  test('a handleInto that responds at once: answered before answerRequest returns, and handle is not called', async () => {
    const call = answering({
      maxBodyBytes: 10,
      handle: unused,
      handleInto: (_req, respond) => respond(ok),
    });
    expect(call.atReturn).toBe(1);
    expect(await onlyAnswer(call)).toBe(ok);
  });

  test('a handleInto that responds later: answered then, once', async () => {
    const gate = deferred();
    const call = answering({
      maxBodyBytes: 10,
      handle: unused,
      handleInto: (_req, respond) => {
        gate.promise.then(() => respond(ok));
      },
    });
    await sleep(5);
    expect(call.answers).toEqual([]);
    gate.resolve();
    expect(await onlyAnswer(call)).toBe(ok);
  });

  test('handleInto is called on the receiver (a method using `this` works), with the request as it came', async () => {
    class Own implements AdaptableReceiver {
      readonly maxBodyBytes = 10;
      readonly answer = ok;
      seen: ReceiverRequest[] = [];
      handle = unused;
      handleInto(req: ReceiverRequest, respond: (response: ReceiverResponse) => void): void {
        this.seen.push(req);
        respond(this.answer);
      }
    }
    const receiver = new Own();
    expect(await onlyAnswer(answering(receiver))).toBe(ok);
    expect(receiver.seen).toEqual([request]);
  });

  test('a handleInto that throws before responding: answered once with the failure (500 without reject)', async () => {
    const call = answering({
      maxBodyBytes: 10,
      handle: unused,
      handleInto: () => {
        throw new Error('boom');
      },
    });
    expect(call.atReturn).toBe(1);
    expectInternalError(await onlyAnswer(call));
  });

  test('a handleInto that throws before responding, with reject: answered once with what reject gives', async () => {
    const failures: unknown[] = [];
    const call = answering({
      maxBodyBytes: 10,
      handle: unused,
      handleInto: () => {
        throw new Error('boom');
      },
      reject: (error) => {
        failures.push(error);
        return rejected;
      },
    });
    expect(await onlyAnswer(call)).toBe(rejected);
    expect(failures.map((failure) => (failure as HookgateError).code)).toEqual(['internal_error']);
  });

  test('an async handleInto that rejects before responding: answered once with the failure, a late respond is ignored', async () => {
    let late!: (response: ReceiverResponse) => void;
    const receiver = {
      maxBodyBytes: 1024,
      handle: () => Promise.resolve(ok),
      handleInto: async (_req: ReceiverRequest, respond: (response: ReceiverResponse) => void) => {
        late = respond;
        await Promise.resolve();
        throw new Error('async boom');
      },
    } as unknown as AdaptableReceiver;
    const call = answering(receiver);
    expect(call.atReturn).toBe(0);
    expectInternalError(await onlyAnswer(call));
    late(ok);
    expect(call.answers).toHaveLength(1);
  });

  test('an async handleInto that rejects after responding: one answer, and onError (reportError) hears the rejection', async () => {
    const reported: unknown[] = [];
    const receiver = {
      maxBodyBytes: 1024,
      handle: () => Promise.resolve(ok),
      reportError: (error: unknown) => reported.push(error),
      handleInto: async (_req: ReceiverRequest, respond: (response: ReceiverResponse) => void) => {
        respond(ok);
        await Promise.resolve();
        throw new Error('after the answer');
      },
    } as unknown as AdaptableReceiver;
    const call = answering(receiver);
    expect(call.atReturn).toBe(1);
    expect(await onlyAnswer(call)).toEqual(ok);
    expect(reported.map((error) => (error as Error).message)).toEqual(['after the answer']);
  });

  test('an answer that throws: the throw comes out of answerRequest, answer is not called again, reject is not called', () => {
    const answers: ReceiverResponse[] = [];
    const failures: unknown[] = [];
    const receiver: AdaptableReceiver = {
      maxBodyBytes: 10,
      handle: unused,
      handleInto: (_req, respond) => respond(ok),
      reject: (error) => {
        failures.push(error);
        return rejected;
      },
    };
    expect(() =>
      answerRequest(receiver, request, (response) => {
        answers.push(response);
        throw new Error('the socket is gone');
      }),
    ).toThrow('the socket is gone');
    expect(answers).toEqual([ok]);
    expect(failures).toEqual([]);
  });

  test('an answer that throws, with no reject: still one call and the throw comes out', () => {
    const answers: ReceiverResponse[] = [];
    const receiver: AdaptableReceiver = {
      maxBodyBytes: 10,
      handle: unused,
      handleInto: (_req, respond) => respond(ok),
    };
    expect(() =>
      answerRequest(receiver, request, (response) => {
        answers.push(response);
        throw new TypeError('write after end');
      }),
    ).toThrow(TypeError);
    expect(answers).toEqual([ok]);
  });
});

describe('answerRequest with a real receiver', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const signed = (id: string) => {
    const body = JSON.stringify({ type: 'invoice.paid', data: {} });
    return post(signStandardWebhooks({ secret, body, id }), body);
  };

  test('synchronous steps: answered before answerRequest returns, as handle answers', async () => {
    let runs = 0;
    const receiver = createReceiver({ scheme: standardWebhooks({ secret }) }).on('invoice.paid', () => {
      runs++;
    });
    const call = answering(receiver, signed('msg_real'));
    expect(call.atReturn).toBe(1);
    const response = await onlyAnswer(call);
    expect(response.status).toBe(200);
    expect(runs).toBe(1);
    expect(JSON.parse((await receiver.handle(signed('msg_real'))).body)).toEqual({ status: 'duplicate' });
  });

  test('an async handler: answered later, once', async () => {
    const gate = deferred();
    const receiver = createReceiver({ scheme: standardWebhooks({ secret }) }).on('invoice.paid', async () => {
      await gate.promise;
    });
    const call = answering(receiver, signed('msg_real_async'));
    expect(call.atReturn).toBe(0);
    gate.resolve();
    expect((await onlyAnswer(call)).status).toBe(200);
  });
});

describe('checkResponse', () => {
  test('a header pair Node accepted once is accepted again; another value for its name is still checked', () => {
    const answer = (value: string) => ({ status: 200, headers: { 'x-kind': value }, body: '' });
    expect(checkResponse(answer('a'))).toBeUndefined();
    expect(checkResponse(answer('a'))).toBeUndefined();
    expect(checkResponse(answer('bad\nvalue'))).toBeInstanceOf(Error);
    expect(checkResponse(answer('a'))).toBeUndefined();
    // A credential's value is never remembered, and checked every time.
    expect(checkResponse({ status: 200, headers: { 'set-cookie': 'a=b' }, body: '' })).toBeUndefined();
    expect(checkResponse({ status: 200, headers: { 'set-cookie': 'a=\r\nb' }, body: '' })).toBeInstanceOf(Error);
  });
});
