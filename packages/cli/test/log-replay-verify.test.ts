import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '@hookgate/core';
import { signGitHub, signStripe } from '@hookgate/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { describeWithRedis, REDIS_HOST, REDIS_PORT } from '../../../test/support/redis.js';
import { cli } from './helpers.js';
import { startApp } from './receiver-app.js';

const SECRET = 'cli-log-github-secret';
const REDIS = `redis://${REDIS_HOST}:${REDIS_PORT}`;

describeWithRedis('hookgate log, replay against a real receiver and Redis', () => {
  const prefix = `test:cli-log:${randomUUID()}:`;
  let client: Redis;
  let app: Awaited<ReturnType<typeof startApp>>;
  let failedKey: string;
  const delivery = randomUUID();
  const body = JSON.stringify({ action: 'opened', issue: { number: 42, title: 'Replay me' } });

  beforeAll(async () => {
    client = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    app = await startApp({ client, prefix, secret: SECRET });
    // The handler is broken: GitHub never retries, so the delivery is lost unless replayed.
    const headers = {
      ...signGitHub({ secret: SECRET, body, event: 'issues', delivery }),
      'content-type': 'application/json',
    };
    const response = await fetch(app.url, { method: 'POST', headers, body });
    expect(response.status).toBe(500);
    await app.receiver.close();
    const [failed] = (await app.log.list({ outcome: 'failed' })).entries as [LogEntry];
    failedKey = failed.key;
  });
  afterAll(async () => {
    await app.close();
    await client.quit();
  });

  const redisArgs = () => ['--redis', REDIS, '--prefix', prefix];

  test('log list: newest first, filtered by outcome and time; --json', async () => {
    const run = await cli(['log', 'list', ...redisArgs(), '--outcome', 'failed', '--since', '10m']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(
        `^${failedKey}  \\S+ \\S+  github\\s+issues\\.opened\\s+500  handler_failed\\s+x1\\s+[\\d.]+ ms  captured\\n$`,
      ),
    );
    const none = await cli(['log', 'list', ...redisArgs(), '--outcome', 'processed']);
    expect(none.stdout).toBe('no deliveries match\n');
    const old = await cli(['log', 'list', ...redisArgs(), '--until', '2020-01-01T00:00:00Z']);
    expect(old.stdout).toBe('no deliveries match\n');
    const json = await cli(['log', 'list', ...redisArgs(), '--json']);
    const page = json.json()[0] as { entries: { key: string; captured: boolean }[]; cursor: null };
    expect(page.entries.map((entry) => entry.key)).toEqual([failedKey]);
    expect(page.cursor).toBeNull();
  });

  test('log show: metadata, captured headers, pretty body; never the signature', async () => {
    const run = await cli(['log', 'show', failedKey, ...redisArgs()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`id          ${delivery}`);
    expect(run.stdout).toContain('code        handler_failed');
    expect(run.stdout).toContain('  x-github-event: issues');
    expect(run.stdout).toContain('"title": "Replay me"');
    expect(run.stdout).not.toMatch(/x-hub-signature|sha256=/);
    const missing = await cli(['log', 'show', '0000000000-000000000000', ...redisArgs()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^hookgate log: no delivery 0000000000-000000000000 in the log/);
  });

  test('replay: without --resign a 401 (and why); re-signed after the fix it is processed once, then a duplicate', async () => {
    const unsigned = await cli(['replay', failedKey, ...redisArgs(), '--to', app.url]);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stdout).toMatch(/✗ \S+ → 401 missing_header/);
    expect(unsigned.stdout).toMatch(/add --resign/);

    app.fix();
    const resign = ['--resign', '--scheme', 'github', '--secret', SECRET];
    const first = await cli(['replay', failedKey, ...redisArgs(), '--to', app.url, ...resign]);
    expect(first.stdout).toMatch(/✓ \S+ → 200 processed/);
    expect(first.code).toBe(0);
    expect(app.processed).toEqual([{ delivery, number: 42 }]);
    const second = await cli(['replay', failedKey, ...redisArgs(), '--to', app.url, ...resign, '--json']);
    expect(second.json()[0]).toMatchObject({ status: 200, outcome: 'duplicate', ok: true });
    expect(app.processed).toHaveLength(1);
    await app.receiver.close();
    const list = await cli(['log', 'list', ...redisArgs(), '--id', delivery, '--json']);
    const outcomes = (list.json()[0] as { entries: { outcome: string; attempts: number }[] }).entries;
    // The unsigned attempt was refused before anything was read from it: it has no delivery id.
    expect(outcomes.map((entry) => `${entry.outcome}:${entry.attempts}`)).toEqual([
      'duplicate:3',
      'processed:2',
      'failed:1',
    ]);
  });

  test('Redis unreachable: one clear line, exit 1', async () => {
    const run = await cli(['log', 'list', '--redis', 'redis://:hunter2@127.0.0.1:1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^hookgate log: cannot reach Redis at 127\.0\.0\.1:1 \(ECONNREFUSED\)\n$/);
    expect(run.stderr).not.toContain('hunter2');
  });
});

describe('hookgate verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-verify-'));
  const body = '{"id":"evt_1","type":"invoice.paid"}';
  const file = (name: string, headers: Record<string, string>, text = body) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify({ headers, body: text }));
    return path;
  };
  const now = Math.floor(Date.now() / 1000);

  test('says which secret matched, and that the timestamp is in the window', async () => {
    const path = file('ok.json', signStripe({ secret: 'whsec_new', body, timestamp: now - 30 }));
    const run = await cli([
      'verify',
      path,
      '--scheme',
      'stripe',
      '--secret',
      'whsec_old',
      '--secret',
      'whsec_new',
      '--label',
      'old',
      '--label',
      'new',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^✓ verified with secret new \(stripe\); signed at \S+ \S+, 3\d s ago, within the 300 s window\n$/,
    );
    expect(run.stdout).not.toContain('whsec_');
  });

  test('a stale signature: the secret matched, the window did not', async () => {
    const path = file('stale.json', signStripe({ secret: 'whsec_new', body, timestamp: now - 3600 }));
    const run = await cli(['verify', '--file', path, '--scheme', 'stripe', '--secret', 'whsec_new']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^✗ timestamp_outside_window: the signature matches secret #1, but it was signed at .*, 3\d{3} s ago \(window 300 s\)\n$/,
    );
  });

  test('no secret matches: which were tried, and the likely causes; a missing header is named', async () => {
    const path = file('tampered.json', signStripe({ secret: 'whsec_new', body }), `${body} `);
    const run = await cli([
      'verify',
      '--file',
      path,
      '--scheme',
      'stripe',
      '--secret',
      'whsec_a',
      '--secret',
      'whsec_new',
      '--json',
    ]);
    expect(run.code).toBe(1);
    expect(run.json()[0]).toMatchObject({ ok: false, code: 'invalid_signature', tried: ['#1', '#2'] });
    expect(run.stdout).not.toContain('whsec_');
    const bare = file('bare.json', { 'content-type': 'application/json' });
    const missing = await cli(['verify', '--file', bare, '--scheme', 'github', '--secret', 's']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^✗ missing_header: .*x-hub-signature-256/i);
  });
});
