import { signStripe } from '@hookgate/core/testing';
import { expect, it } from 'vitest';
import { type Payment, start } from './app.js';

it('express-stripe: a signed payment_intent.succeeded reaches the typed handler', async () => {
  const secret = 'whsec_example';
  const payments: Payment[] = [];
  const app = await start(0, secret, payments);
  try {
    const body = JSON.stringify({
      id: 'evt_1',
      type: 'payment_intent.succeeded',
      data: { object: { id: 'pi_1', amount: 1999, currency: 'eur' } },
    });
    const response = await fetch(`${app.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signStripe({ secret, body }) },
      body,
    });
    expect(response.status).toBe(200);
    expect(payments).toEqual([{ intent: 'pi_1', amount: 1999, currency: 'eur' }]);
  } finally {
    await app.close();
  }
});
