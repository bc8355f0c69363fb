import { pathToFileURL } from 'node:url';
import { createReceiver, github } from '@hookgate/core';
import { hookgate } from '@hookgate/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';

const IssueOpened = z.object({
  action: z.literal('opened'),
  issue: z.object({ number: z.number().int(), title: z.string() }),
  repository: z.object({ full_name: z.string() }),
});

export interface OpenedIssue {
  repository: string;
  number: number;
  title: string;
}

export async function createApp(secret: string, issues: OpenedIssue[] = []): Promise<FastifyInstance> {
  const receiver = createReceiver({ scheme: github({ secret }), events: { 'issues.opened': IssueOpened } });
  receiver.on('issues.opened', (event) => {
    issues.push({ repository: event.repository.full_name, number: event.issue.number, title: event.issue.title });
  });

  const app = Fastify();
  // An encapsulated plugin: its raw-body parser stays in the webhook route's scope (/issues keeps
  // normal JSON parsing), and the prefix is the route.
  await app.register(hookgate, { receiver, prefix: '/webhooks/github' });
  app.get('/issues', async () => issues);
  return app;
}

/** Starts the app on `port` (0 picks a free one). */
export async function start(port: number, secret: string, issues: OpenedIssue[] = []) {
  const app = await createApp(secret, issues);
  const url = await app.listen({ port, host: '127.0.0.1' });
  return { url, close: () => app.close() };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const secret = process.env.GITHUB_WEBHOOK_SECRET;
  if (!secret) throw new Error('Set GITHUB_WEBHOOK_SECRET');
  const { url } = await start(Number(process.env.PORT ?? 3000), secret);
  console.log(`GitHub webhooks: POST ${url}/webhooks/github`);
}
