import { createReceiver, github, hmac, shopify, slack, standardWebhooks, stripe } from '@hookgate/core';
import { describe, expect, test } from 'vitest';
import { exponentialBackoff } from '../src/queue/backoff.js';
import { dedupeWindowMs } from '../src/queue/profile.js';

const HOUR = 3_600_000;

describe('worker backoff', () => {
  test('the defaults reach hours: 14 retries between 15 attempts wait well over 3 h in total', () => {
    const low = exponentialBackoff({}, () => 0);
    const high = exponentialBackoff({}, () => 1);
    const total = (backoff: typeof low) =>
      Array.from({ length: 14 }, (_, i) => backoff.delay(i + 1)).reduce((a, b) => a + b);
    expect(total(low)).toBeGreaterThan(3 * HOUR);
    expect(total(high)).toBeLessThan(24 * HOUR);
    expect(high.delay(100)).toBe(2 * HOUR); // capped
  });

  test('equal jitter: each delay lies between half its step and the step', () => {
    const backoff = exponentialBackoff({ baseMs: 1_000, factor: 3, maxMs: 60_000 });
    for (let attempt = 1; attempt < 8; attempt++) {
      const step = Math.min(60_000, 1_000 * 3 ** (attempt - 1));
      const delay = backoff.delay(attempt);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
  });

  test('nonsense options are a configuration error', () => {
    expect(() => exponentialBackoff({ baseMs: 0 })).toThrow(/backoff/);
    expect(() => exponentialBackoff({ baseMs: 10, maxMs: 5 })).toThrow(/backoff/);
  });
});

describe('sender profiles', () => {
  test('each scheme carries its sender’s redelivery', () => {
    expect(github({ secret: 's' }).redelivery).toMatchObject({ retries: 0, timeoutMs: 10_000 });
    expect(slack({ secret: 's' }).redelivery).toMatchObject({ retries: 3, timeoutMs: 3_000 });
    expect(shopify({ secret: 's' }).redelivery).toMatchObject({ retries: 8, horizonMs: 4 * HOUR, timeoutMs: 5_000 });
    expect(stripe({ secret: 's' }).redelivery?.horizonMs).toBe(72 * HOUR);
    expect(standardWebhooks({ secret: `whsec_${Buffer.from('k').toString('base64')}` }).redelivery).toMatchObject({
      retries: 7,
      timeoutMs: 15_000,
    });
    expect(hmac({ secret: 's', header: 'x-sig' }).redelivery).toBeUndefined();
  });

  test('the dedupe window is at least three days and at least the sender’s horizon', () => {
    expect(dedupeWindowMs(undefined)).toBe(72 * HOUR);
    expect(dedupeWindowMs(slack({ secret: 's' }).redelivery)).toBe(72 * HOUR);
    expect(dedupeWindowMs({ retries: 20, horizonMs: 10 * 24 * HOUR, timeoutMs: undefined })).toBe(240 * HOUR);
  });

  test('an inline receiver for a sender that never redelivers warns once, when onError is added', () => {
    const receiver = createReceiver({ scheme: github({ secret: 's' }) });
    const heard: string[] = [];
    receiver.onError((error) => heard.push(error.message));
    receiver.onError(() => {});
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatch(/does not redeliver.*durable mode/);
    const slackHeard: string[] = [];
    createReceiver({ scheme: slack({ secret: 's' }) }).onError((error) => slackHeard.push(error.message));
    expect(slackHeard).toEqual([]);
  });
});
