import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signShopify } from '@hookgate/core/testing';
import { expect, test } from 'vitest';
import { startDeno } from '../../test/runtimes/harness.js';

const here = dirname(fileURLToPath(import.meta.url));

test('deno example: a signed Shopify delivery is processed once, a forged one refused (on Deno itself)', async () => {
  const secret = 'example-shopify-secret';
  const server = await startDeno(join(here, 'server.ts'), {
    cwd: here,
    env: { SHOPIFY_API_SECRET: secret, PORT: '0' },
  });
  try {
    const url = `${server.url}/webhooks/shopify`;
    const body = JSON.stringify({ id: 820982911946154500, note: 'Runs on Deno' });
    const headers = {
      'content-type': 'application/json',
      ...signShopify({ secret, body, topic: 'orders/create', eventId: 'evt-deno-1' }),
    };
    const first = await fetch(url, { method: 'POST', headers, body });
    expect([first.status, await first.json()]).toEqual([200, { status: 'processed' }]);
    const again = await fetch(url, { method: 'POST', headers, body });
    expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);
    const forged = await fetch(url, { method: 'POST', headers, body: body.replace('Deno', 'Dino') });
    expect(forged.status).toBe(401);
    expect((await fetch(`${server.url}/elsewhere`)).status).toBe(404);
  } finally {
    await server.stop();
  }
});
