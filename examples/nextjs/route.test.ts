import { signStandardWebhooks } from '@hookgate/core/testing';
import { afterAll, expect, test } from 'vitest';

// The route module itself, called as Next.js calls it (POST(request)); Next.js is not run here.
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
process.env.WEBHOOK_SECRET = secret;
const { POST } = await import('./app/api/webhooks/route.js');
afterAll(() => {
  delete process.env.WEBHOOK_SECRET;
});

const deliver = (headers: Record<string, string>, body: string) =>
  POST(new Request('http://localhost/api/webhooks', { method: 'POST', headers, body }));

test('nextjs example: the route handler processes a signed delivery once and refuses a forged one', async () => {
  const body = JSON.stringify({ type: 'user.created', data: { id: 'user_1' } });
  const headers = signStandardWebhooks({ secret, body, svix: true });
  const first = await deliver(headers, body);
  expect([first.status, await first.json()]).toEqual([200, { status: 'processed' }]);
  const again = await deliver(headers, body);
  expect([again.status, await again.json()]).toEqual([200, { status: 'duplicate' }]);
  const forged = await deliver(headers, body.replace('user_1', 'user_2'));
  expect(forged.status).toBe(401);
});
