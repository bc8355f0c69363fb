import { signStandardWebhooks } from '@hookgate/core/testing';
import { expect, it } from 'vitest';
import { type PaidInvoice, start } from './app.js';

it('koa-standard-webhooks: a signed invoice.paid reaches the typed handler', async () => {
  const secret = `whsec_${Buffer.from('koa-example-secret').toString('base64')}`;
  const invoices: PaidInvoice[] = [];
  const app = await start(0, secret, invoices);
  try {
    const body = JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1', customer: 'cus_1', total: 4200 } });
    const response = await fetch(`${app.url}/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signStandardWebhooks({ secret, body }) },
      body,
    });
    expect(response.status).toBe(200);
    expect(invoices).toEqual([{ id: 'in_1', customer: 'cus_1', total: 4200 }]);
  } finally {
    await app.close();
  }
});
