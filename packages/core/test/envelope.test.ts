import {
  createReceiver,
  type Envelope,
  envelopeFromJSON,
  envelopeToJSON,
  HookgateError,
  type ProcessResult,
  standardWebhooks,
} from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { post } from './helpers.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const scheme = standardWebhooks({ secret });

/** The envelope the accept stage builds for a request. */
async function envelopeOf(body: string, id = 'msg_env'): Promise<Envelope> {
  const receiver = createReceiver({ scheme, now: () => 1_700_000_000_000 });
  const headers = {
    ...signStandardWebhooks({ secret, body, id, timestamp: 1_700_000_000 }),
    authorization: 'Bearer x',
    cookie: 'c=1',
  };
  const { envelope, response } = await receiver.accept(post(headers, body));
  if (!envelope) throw new Error(`not accepted: ${response.status} ${response.body}`);
  return envelope;
}

describe('the envelope', () => {
  test('survives JSON byte for byte: raw body as base64, every field kept', async () => {
    // Not valid UTF-8 inside a JSON string would not survive a text round trip; base64 does.
    const body = '{"type":"invoice.paid","data":{"note":"caf\u00e9 \u{1F600}"}}';
    const envelope = await envelopeOf(body);
    const json = JSON.parse(JSON.stringify(envelopeToJSON(envelope)));
    expect(json.v).toBe(1);
    expect(typeof json.body).toBe('string');
    const back = envelopeFromJSON(JSON.stringify(json));
    expect(back.body.equals(envelope.body)).toBe(true);
    expect(back).toEqual({ ...envelope, headers: { ...envelope.headers } });
    expect(envelope).toMatchObject({
      version: 1,
      scheme: 'standard-webhooks',
      id: 'msg_env',
      type: 'invoice.paid',
      timestamp: 1_700_000_000,
      receivedAt: 1_700_000_000_000,
      dedupeKey: 'standard-webhooks:msg_env',
      payload: JSON.parse(body),
    });
  });

  test('keeps no credential or signature header', async () => {
    const envelope = await envelopeOf('{"type":"x"}');
    const names = Object.keys(envelope.headers);
    expect(names).toContain('webhook-id');
    expect(names).toContain('webhook-timestamp');
    for (const name of ['webhook-signature', 'authorization', 'cookie']) expect(names).not.toContain(name);
    // Also when an envelope from elsewhere carries one.
    const json = envelopeToJSON(envelope);
    const smuggled = envelopeFromJSON({ ...json, headers: { ...json.headers, 'x-hub-signature-256': 'sha256=00' } });
    expect(Object.keys(smuggled.headers)).not.toContain('x-hub-signature-256');
  });

  test.each([
    ['not JSON', '{', /not JSON/],
    ['an array', '[]', /not an object/],
    ['an unknown version', JSON.stringify({ v: 2 }), /unknown version 2/],
    ['no version', JSON.stringify({ scheme: 'x' }), /unknown version undefined/],
    [
      'a body that is not base64',
      JSON.stringify({ v: 1, scheme: 's', receivedAt: 1, headers: {}, body: '@@' }),
      /base64/,
    ],
    [
      'headers that are not strings',
      JSON.stringify({ v: 1, scheme: 's', receivedAt: 1, headers: { a: 1 }, body: '' }),
      /headers/,
    ],
    [
      'a field of the wrong type',
      JSON.stringify({ v: 1, scheme: 's', receivedAt: 1, headers: {}, body: '', id: 7 }),
      /id has the wrong type/,
    ],
    [
      'an unknown rejection code',
      JSON.stringify({
        v: 1,
        scheme: 's',
        receivedAt: 1,
        headers: {},
        body: '',
        rejection: { code: 'nope', message: '' },
      }),
      /rejection/,
    ],
  ])('refuses %s with a typed invalid_envelope error', (_name, input, message) => {
    let thrown: unknown;
    try {
      envelopeFromJSON(input);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HookgateError);
    expect(thrown).toMatchObject({ code: 'invalid_envelope' });
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('receiver.process: the process stage on an envelope, without HTTP', () => {
  const events = {
    'invoice.paid': z.object({ type: z.literal('invoice.paid'), data: z.object({ at: z.coerce.date() }) }),
  };

  test('a JSON round-tripped envelope runs the typed handler once; a second run is a duplicate', async () => {
    const body = JSON.stringify({ type: 'invoice.paid', data: { at: '2026-01-02T03:04:05.000Z' } });
    const envelope = envelopeFromJSON(JSON.stringify(envelopeToJSON(await envelopeOf(body, 'msg_p1'))));
    const seen: unknown[] = [];
    const worker = createReceiver({ scheme, events });
    worker.on('invoice.paid', (event, ctx) => {
      // The schema's output again (a Date), though JSON only carried its text.
      seen.push([
        event.data.at instanceof Date,
        ctx.id,
        ctx.replay,
        ctx.dedupeKey,
        ctx.rawBody.equals(Buffer.from(body)),
      ]);
    });
    const first: ProcessResult = await worker.process(envelope);
    expect(first).toEqual({ outcome: 'processed', status: 200, error: undefined });
    expect(await worker.process(envelope)).toMatchObject({ outcome: 'duplicate', status: 200 });
    expect(seen).toEqual([[true, 'msg_p1', false, 'standard-webhooks:msg_p1', true]]);
  });

  test('accept answers what it refuses, and a handshake, without an envelope', async () => {
    const receiver = createReceiver({ scheme });
    const refused = await receiver.accept(post({ 'webhook-id': 'x' }, '{}'));
    expect([refused.envelope, refused.response?.status]).toEqual([undefined, 401]);
  });

  test('never verifies again: an envelope whose timestamp left the window long ago still runs', async () => {
    const envelope = await envelopeOf('{"type":"x"}', 'msg_old');
    const late = createReceiver({ scheme }).onAny(() => {});
    expect((await late.process(envelope)).outcome).toBe('processed');
  });

  test('a handler failure is in the result (500 handler_failed), reported, and releases the claim', async () => {
    const envelope = await envelopeOf('{"type":"x"}', 'msg_fail');
    let attempts = 0;
    const codes: string[] = [];
    const worker = createReceiver({ scheme })
      .onAny(() => {
        attempts++;
        if (attempts === 1) throw new Error('boom');
      })
      .onError((error) => codes.push(error.code));
    const failed = await worker.process(envelope, { replay: true });
    expect([failed.outcome, failed.status, failed.error?.code]).toEqual(['failed', 500, 'handler_failed']);
    expect((await worker.process(envelope)).outcome).toBe('processed');
    expect([attempts, codes]).toEqual([2, ['handler_failed']]);
  });

  test('replay: true is on the handler context', async () => {
    const envelope = await envelopeOf('{"type":"x"}', 'msg_replay');
    let replay: boolean | undefined;
    const worker = createReceiver({ scheme, dedupe: false }).onAny((_e, ctx) => {
      replay = ctx.replay;
    });
    await worker.process(envelope, { replay: true });
    expect(replay).toBe(true);
  });
});
