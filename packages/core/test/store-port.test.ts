import { failureReasonOf, HookgateError, STORE_FAILURES, storeReasonOf } from '@hookgate/core';
import { expect, test } from 'vitest';

test("storeReasonOf reads a store error's storeReason, on the error or up to two causes down", () => {
  const storeError = Object.assign(new Error('RedisStore claim: connection refused'), {
    storeReason: 'connection refused (ECONNREFUSED)',
  });
  const wrapped = new HookgateError('store_unavailable', 'The dedupe store is unavailable', { cause: storeError });
  expect(storeReasonOf(storeError)).toBe('connection refused (ECONNREFUSED)');
  expect(storeReasonOf(wrapped)).toBe('connection refused (ECONNREFUSED)');
  expect(storeReasonOf(new Error('outer', { cause: wrapped }))).toBe('connection refused (ECONNREFUSED)');
  expect(storeReasonOf(new Error('a', { cause: new Error('b', { cause: wrapped }) }))).toBeUndefined();
});

test('storeReasonOf ignores what is not a non-empty string, and bounds the length', () => {
  for (const error of [undefined, null, 'text', new Error('plain'), { storeReason: 42 }, { storeReason: '' }]) {
    expect(storeReasonOf(error)).toBeUndefined();
  }
  expect(storeReasonOf({ storeReason: 'x'.repeat(500) })).toHaveLength(120);
});

test("failureReasonOf: a store's storeReason, else STORE_FAILURES' words for a client's error, never its message", () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:6379'), { code: 'ECONNREFUSED' });
  expect(failureReasonOf({ storeReason: STORE_FAILURES.timedOut, cause: refused })).toBe('timed out');
  expect(failureReasonOf(refused)).toBe('connection refused');
  expect(failureReasonOf(new Error('wrapped', { cause: new Error('again', { cause: refused }) }))).toBe(
    'connection refused',
  );
  expect(failureReasonOf(Object.assign(new Error('queue'), { reason: 'timeout' }))).toBe('timed out');
  expect(failureReasonOf(new Error('Command timed out'))).toBe('timed out');
  expect(failureReasonOf(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('connection lost');
  for (const said of [
    'Connection is closed.',
    'The client is closed',
    'The client is offline',
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Reached the max retries per request limit (which is 0).',
  ]) {
    expect(failureReasonOf(new Error(said))).toBe('not connected');
  }
  expect(failureReasonOf(Object.assign(new Error('redis://user:pw@host'), { code: 'WEIRD_CODE' }))).toBe('WEIRD_CODE');
  expect(failureReasonOf(new TypeError('redis://user:pw@host'))).toBe('TypeError');
  expect(failureReasonOf(new Error('redis://user:pw@host'))).toBe('it failed');
  expect(failureReasonOf(Object.assign(new Error('x'), { code: 'constructor' }))).toBe('it failed');
});
