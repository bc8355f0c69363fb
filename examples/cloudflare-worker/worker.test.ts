import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signStripe } from '@hookgate/core/testing';
import { expect, test } from 'vitest';
import { startWorkerd } from '../../test/runtimes/harness.js';

const here = dirname(fileURLToPath(import.meta.url));

test('cloudflare-worker example: a signed Stripe delivery is processed once, a forged one refused (on workerd)', async () => {
  const secret = 'whsec_example_worker';
  const worker = await startWorkerd(join(here, 'src/index.ts'), { STRIPE_WEBHOOK_SECRET: secret });
  try {
    const url = `${worker.url}/webhooks/stripe`;
    const body = JSON.stringify({ id: 'evt_worker_1', type: 'checkout.session.completed', data: { object: {} } });
    const headers = { 'content-type': 'application/json', ...signStripe({ secret, body }) };
    const first = await fetch(url, { method: 'POST', headers, body });
    expect([first.status, await first.json()]).toEqual([200, { status: 'processed' }]);
    const again = await fetch(url, { method: 'POST', headers, body });
    expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);
    const forged = await fetch(url, { method: 'POST', headers, body: body.replace('worker', 'wroker') });
    expect(forged.status).toBe(401);
    expect((await fetch(`${worker.url}/elsewhere`)).status).toBe(404);
  } finally {
    await worker.stop();
  }
});
