import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signGitHub } from '@hookgate/core/testing';
import { expect, test } from 'vitest';
import { startBun } from '../../test/runtimes/harness.js';

const here = dirname(fileURLToPath(import.meta.url));

test('bun example: a signed GitHub delivery is processed once, a forged one refused (on Bun itself)', async () => {
  const secret = 'example-github-secret';
  const server = await startBun(join(here, 'server.ts'), {
    cwd: here,
    env: { GITHUB_WEBHOOK_SECRET: secret, PORT: '0' },
  });
  try {
    const url = `${server.url}/webhooks/github`;
    const body = JSON.stringify({ action: 'opened', issue: { number: 1, title: 'Runs on Bun' } });
    const headers = { 'content-type': 'application/json', ...signGitHub({ secret, body, event: 'issues' }) };
    const first = await fetch(url, { method: 'POST', headers, body });
    expect([first.status, await first.json()]).toEqual([200, { status: 'processed' }]);
    const again = await fetch(url, { method: 'POST', headers, body });
    expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);
    const forged = await fetch(url, { method: 'POST', headers, body: body.replace('Bun', 'Bum') });
    expect(forged.status).toBe(401);
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
  } finally {
    await server.stop();
  }
});
