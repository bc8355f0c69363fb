import {
  type ClaimResult,
  createReceiver,
  type DedupeStore,
  github,
  MemoryStore,
  type Scheme,
  standardWebhooks,
} from '@hookgate/core';
import { signGitHub, signStandardWebhooks } from '@hookgate/core/testing';
import { describe, expect, test } from 'vitest';
import { sleep } from '../../../test/support/time.js';
import { deferred, errorCode, fixedLeases, post } from './helpers.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const scheme = standardWebhooks({ secret });
const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1' } });
const signed = (id: string) => post(signStandardWebhooks({ secret, body, id }), body);

describe('dedupe through the receiver', () => {
  test('concurrent copies: one runs, the others get 409 + Retry-After while it runs, 200 after', async () => {
    const gate = deferred();
    let calls = 0;
    const receiver = createReceiver({ scheme });
    receiver.on('invoice.paid', async () => {
      calls++;
      await gate.promise;
    });
    const first = receiver.handle(signed('msg_c'));
    const copies = await Promise.all(Array.from({ length: 5 }, () => receiver.handle(signed('msg_c'))));
    for (const copy of copies) {
      expect(copy.status).toBe(409);
      expect(errorCode(copy.body)).toBe('delivery_in_flight');
      expect(Number(copy.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    gate.resolve();
    expect((await first).status).toBe(200);
    const after = await receiver.handle(signed('msg_c'));
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toEqual({ status: 'duplicate' });
    expect(calls).toBe(1);
  });

  test('a handler failure releases the claim so the retry is processed, once', async () => {
    let attempts = 0;
    let processed = 0;
    const receiver = createReceiver({ scheme });
    receiver.on('invoice.paid', () => {
      attempts++;
      if (attempts === 1) throw new Error('transient');
      processed++;
    });
    expect((await receiver.handle(signed('msg_f'))).status).toBe(500);
    expect((await receiver.handle(signed('msg_f'))).status).toBe(200);
    expect((await receiver.handle(signed('msg_f'))).status).toBe(200);
    expect([attempts, processed]).toEqual([2, 1]);
  });

  test('an expired lease lets a retry in; the slow first owner cannot clobber it', async () => {
    const store = new MemoryStore();
    const slow = deferred();
    let calls = 0;
    // Fixed leases: the first owner behaves like a process that stopped renewing.
    const receiver = createReceiver({ scheme, dedupe: { store: fixedLeases(store), leaseMs: 40 } });
    receiver.on('invoice.paid', async () => {
      calls++;
      if (calls === 1) await slow.promise;
    });
    const first = receiver.handle(signed('msg_l'));
    await sleep(120);
    expect((await receiver.handle(signed('msg_l'))).status).toBe(200);
    slow.resolve();
    expect((await first).status).toBe(200);
    expect(calls).toBe(2);
    expect(store.claim('standard-webhooks:msg_l', 1000).status).toBe('done');
  });

  test('a delivery id is namespaced by scheme, so two senders sharing a store do not collide', async () => {
    const store = new MemoryStore();
    const gh = createReceiver({ scheme: github({ secret: 'g' }), dedupe: { store } }).onAny(() => {});
    const sw = createReceiver({ scheme, dedupe: { store } }).onAny(() => {});
    const ghBody = '{"action":"opened"}';
    const ghReq = post(signGitHub({ secret: 'g', body: ghBody, event: 'issues', delivery: 'same-id' }), ghBody);
    expect(JSON.parse((await gh.handle(ghReq)).body)).toEqual({ status: 'processed' });
    expect(JSON.parse((await sw.handle(signed('same-id'))).body)).toEqual({ status: 'processed' });
  });

  test('a custom key function picks the dedupe key', async () => {
    const keys: (string | undefined)[] = [];
    const receiver = createReceiver({
      scheme,
      dedupe: { key: (event) => `invoice:${(event as { data: { id: string } }).data.id}` },
    });
    receiver.onAny((_e, ctx) => {
      keys.push(ctx.dedupeKey);
    });
    await receiver.handle(signed('msg_1'));
    const second = await receiver.handle(signed('msg_2'));
    expect(JSON.parse(second.body)).toEqual({ status: 'duplicate' });
    expect(keys).toEqual(['invoice:in_1']);
  });

  test('a delivery without an id is processed without dedupe', async () => {
    let calls = 0;
    const receiver = createReceiver({ scheme: github({ secret: 'g' }) });
    receiver.onAny(() => {
      calls++;
    });
    const ghBody = '{"zen":"x"}';
    const headers = signGitHub({ secret: 'g', body: ghBody, event: 'ping' });
    delete headers['x-github-delivery'];
    await receiver.handle(post(headers, ghBody));
    await receiver.handle(post(headers, ghBody));
    expect(calls).toBe(2);
  });

  test('an empty delivery id or key means no dedupe, never one key shared by all', async () => {
    let calls = 0;
    const emptyId: Scheme = {
      ...scheme,
      describe: (payload, request, verified) => ({ ...scheme.describe(payload, request, verified), id: '' }),
    };
    const receiver = createReceiver({ scheme: emptyId }).onAny(() => {
      calls++;
    });
    await receiver.handle(signed('msg_a'));
    await receiver.handle(signed('msg_b'));
    const keyed = createReceiver({ scheme, dedupe: { key: () => '' } }).onAny(() => {
      calls++;
    });
    await keyed.handle(signed('msg_c'));
    await keyed.handle(signed('msg_c'));
    expect(calls).toBe(4);
  });

  test('dedupe: false processes every copy', async () => {
    let calls = 0;
    const receiver = createReceiver({ scheme, dedupe: false }).onAny(() => {
      calls++;
    });
    await receiver.handle(signed('msg_x'));
    await receiver.handle(signed('msg_x'));
    expect(calls).toBe(2);
  });
});

describe('store outage', () => {
  class BrokenStore implements DedupeStore {
    claim(): Promise<ClaimResult> {
      return Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379'));
    }
    complete(): Promise<boolean> {
      return Promise.reject(new Error('ECONNREFUSED'));
    }
    release(): Promise<boolean> {
      return Promise.reject(new Error('ECONNREFUSED'));
    }
  }

  test('fail-closed (default): 503 store_unavailable with Retry-After, handler not called', async () => {
    let calls = 0;
    const receiver = createReceiver({ scheme, dedupe: { store: new BrokenStore() } }).onAny(() => {
      calls++;
    });
    const res = await receiver.handle(signed('msg_o'));
    expect(res.status).toBe(503);
    expect(errorCode(res.body)).toBe('store_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).not.toContain('6379');
    expect(calls).toBe(0);
  });

  test('fail-open: processed without dedupe', async () => {
    let calls = 0;
    const receiver = createReceiver({ scheme, dedupe: { store: new BrokenStore(), failOpen: true } }).onAny(() => {
      calls++;
    });
    expect((await receiver.handle(signed('msg_o'))).status).toBe(200);
    expect(calls).toBe(1);
  });

  test.each([
    [
      'throws',
      () => {
        throw new Error('ECONNRESET');
      },
    ],
    [
      'answers with a `then` getter that throws',
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: an odd thenable from a store is what this case is about
        get then(): never {
          throw new Error('proxy revoked');
        },
      }),
    ],
    [
      'answers with a thenable that is not a native promise',
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: an odd thenable from a store is what this case is about
        then: (_resolve: unknown, reject: (error: Error) => void) => reject(new Error('EPIPE')),
      }),
    ],
  ])('a claim that %s is the store failing: 503 fail-closed, processed fail-open', async (_name, claim) => {
    const odd = { claim, complete: () => true, release: () => true } as unknown as DedupeStore;
    let calls = 0;
    const closed = createReceiver({ scheme, dedupe: { store: odd } }).onAny(() => {
      calls++;
    });
    const res = await closed.handle(signed('msg_q'));
    expect([res.status, errorCode(res.body), calls]).toEqual([503, 'store_unavailable', 0]);
    const open = createReceiver({ scheme, dedupe: { store: odd, failOpen: true } }).onAny(() => {
      calls++;
    });
    expect((await open.handle(signed('msg_q'))).status).toBe(200);
    expect(calls).toBe(1);
  });

  test('complete failing after the handler ran: still 200 (it was processed), reported to onError', async () => {
    const memory = new MemoryStore();
    const flaky: DedupeStore = {
      claim: (key, lease) => memory.claim(key, lease),
      complete: () => Promise.reject(new Error('timeout')),
      release: (key, token) => memory.release(key, token),
    };
    const codes: string[] = [];
    const receiver = createReceiver({ scheme, dedupe: { store: flaky } })
      .onAny(() => {})
      .onError((error) => {
        codes.push(error.code);
      });
    expect((await receiver.handle(signed('msg_p'))).status).toBe(200);
    expect(codes).toEqual(['store_unavailable']);
  });
});

describe('after the handler: completions the store refuses, and start-up checks', () => {
  test('a completion the store refuses (another copy took the key over) is reported as lease_lost', async () => {
    const memory = new MemoryStore();
    const takenOver: DedupeStore = {
      claim: (key, lease) => memory.claim(key, lease),
      complete: () => false,
      release: (key, token) => memory.release(key, token),
    };
    const codes: string[] = [];
    const receiver = createReceiver({ scheme, dedupe: { store: takenOver } })
      .onAny(() => {})
      .onError((error) => codes.push(error.code));
    expect((await receiver.handle(signed('msg_lost'))).status).toBe(200);
    expect(codes).toEqual(['lease_lost']);
  });

  test("a store's diagnose warnings reach onError once, even when onError is added after createReceiver", async () => {
    const memory = new MemoryStore();
    const store: DedupeStore = {
      claim: (key, lease) => memory.claim(key, lease),
      complete: (key, token, ttl) => memory.complete(key, token, ttl),
      release: (key, token) => memory.release(key, token),
      diagnose: async () => ['maxmemory-policy is allkeys-lru: Redis may evict dedupe keys'],
    };
    const receiver = createReceiver({ scheme, dedupe: { store } });
    await sleep(10);
    const heard: [string, string][] = [];
    receiver.onError((error) => heard.push([error.code, error.message]));
    await sleep(10);
    expect(heard).toEqual([['invalid_configuration', 'maxmemory-policy is allkeys-lru: Redis may evict dedupe keys']]);
  });

  test('a store outage says why, without the address', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:6379'), { code: 'ECONNREFUSED' });
    const store: DedupeStore = {
      claim: () => Promise.reject(refused),
      complete: () => true,
      release: () => true,
    };
    const res = await createReceiver({ scheme, dedupe: { store } }).handle(signed('msg_why'));
    const message = (JSON.parse(res.body) as { error: { message: string } }).error.message;
    expect(message).toBe('The dedupe store is unavailable (connection refused)');
    expect(message).not.toContain('10.1.2.3');
  });
});

describe('a handler slower than the lease', () => {
  test('keeps its claim (the lease is renewed): a copy arriving meanwhile gets 409, never a second run', async () => {
    let runs = 0;
    const release = deferred();
    const receiver = createReceiver({ scheme, dedupe: { store: new MemoryStore(), leaseMs: 60 } }).onAny(async () => {
      runs++;
      await release.promise;
    });
    const first = receiver.handle(signed('msg_slow'));
    await sleep(250); // four leases long
    const copy = await receiver.handle(signed('msg_slow'));
    expect([copy.status, errorCode(copy.body)]).toEqual([409, 'delivery_in_flight']);
    release.resolve();
    expect((await first).status).toBe(200);
    expect(JSON.parse((await receiver.handle(signed('msg_slow'))).body)).toEqual({ status: 'duplicate' });
    expect(runs).toBe(1);
  });

  test('a store without renew keeps a fixed lease: after it, a copy may run (documented)', async () => {
    const fixed = fixedLeases(new MemoryStore());
    let runs = 0;
    const release = deferred();
    const receiver = createReceiver({ scheme, dedupe: { store: fixed, leaseMs: 60 } }).onAny(async () => {
      runs++;
      await release.promise;
    });
    const first = receiver.handle(signed('msg_fixed'));
    await sleep(150);
    const copy = receiver.handle(signed('msg_fixed'));
    await sleep(10);
    release.resolve();
    await Promise.all([first, copy]);
    expect(runs).toBe(2);
  });
});
