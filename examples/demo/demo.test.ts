import { expect, test } from 'vitest';
import { runDemo } from './demo.js';

test('the demo plays every case with the statuses the README promises', async () => {
  const lines = await runDemo(() => {});
  expect(lines.map((line) => [line.status, line.result])).toEqual([
    [200, 'processed'],
    [200, 'duplicate'],
    [401, 'invalid_signature'],
    [401, 'timestamp_outside_window'],
    [200, 'processed'],
    [200, 'processed'],
    [500, 'handler_failed'],
    [200, 'processed'],
    [200, 'duplicate'],
    [401, 'invalid_signature'],
    [200, 'processed'],
    [200, 'processed'],
    [200, 'processed'],
    [200, 'processed'],
    [0, '1,2,3,4'],
  ]);
  expect(lines[0]?.handlerSaw).toBe('invoice.paid in_1001 amount=4200');
  expect(lines[1]?.handlerSaw).toBe('(not called)');
  expect(lines[5]?.handlerSaw).toBe('customer.created (onAny)');
});
