import { signGitHub } from '@hookgate/core/testing';
import { expect, it } from 'vitest';
import { type OpenedIssue, start } from './app.js';

it('fastify-github: a signed issues.opened reaches the typed handler', async () => {
  const secret = 'github-example-secret';
  const issues: OpenedIssue[] = [];
  const app = await start(0, secret, issues);
  try {
    const body = JSON.stringify({
      action: 'opened',
      issue: { number: 7, title: 'Webhooks fail behind express.json()' },
      repository: { full_name: 'acme/shop' },
    });
    const response = await fetch(`${app.url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signGitHub({ secret, body, event: 'issues' }) },
      body,
    });
    expect(response.status).toBe(200);
    expect(issues).toEqual([{ repository: 'acme/shop', number: 7, title: 'Webhooks fail behind express.json()' }]);
  } finally {
    await app.close();
  }
});
