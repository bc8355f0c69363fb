import { cryptoBackend } from '@hookgate/core';
import { expect, test } from 'vitest';

// Guards the web-crypto project: without it, its scheme suites could quietly run node:crypto again.
test('the crypto implementation is the one this test project asks for', ({ task }) => {
  expect(cryptoBackend).toBe(task.file.projectName === 'web-crypto' ? 'web-crypto' : 'node:crypto');
});
