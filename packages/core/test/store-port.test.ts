import { HookgateError, storeReasonOf } from '@hookgate/core';
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
