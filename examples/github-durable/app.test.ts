import { randomUUID } from 'node:crypto';
import { signGitHub } from '@hookgate/core/testing';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { describeWithRedis } from '../../test/support/redis.js';
import { sleep } from '../../test/support/time.js';
import { type OpenedIssue, startWeb, startWorker } from './app.js';

describeWithRedis('github-durable', () => {
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const prefix = `hg-example-${randomUUID()}`;
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('the web process answers 202 once queued; the worker runs the typed handler once', async () => {
    const secret = 'github-durable-example-secret';
    const options = { secret, redis, prefix };
    const web = await startWeb(0, options);
    const issues: OpenedIssue[] = [];
    const worker = startWorker(options, issues);
    try {
      const body = JSON.stringify({
        action: 'opened',
        issue: { number: 12, title: 'Durable mode' },
        repository: { full_name: 'acme/shop' },
      });
      const headers = { 'content-type': 'application/json', ...signGitHub({ secret, body, event: 'issues' }) };
      const send = () => fetch(`${web.url}/webhooks/github`, { method: 'POST', headers, body });
      const first = await send();
      expect(first.status).toBe(202);
      expect(await first.json()).toEqual({ status: 'queued' });
      const copy = await send();
      expect([copy.status, await copy.json()]).toEqual([200, { status: 'duplicate' }]);
      const deadline = Date.now() + 10_000;
      while (issues.length === 0 && Date.now() < deadline) await sleep(20);
      expect(issues).toEqual([{ repository: 'acme/shop', number: 12, title: 'Durable mode' }]);
      expect(await worker.deadLetters()).toEqual([]);
    } finally {
      await worker.close();
      await web.close();
    }
  });
});
