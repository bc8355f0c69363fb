import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createReceiver, github, MemoryStore, standardWebhooks, stripe } from '@hookgate/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RunningApp, targets } from '../../../test/adapters/targets.js';
import { sleep } from '../../../test/support/time.js';
import { cli } from './helpers.js';

const GITHUB_SECRET = 'cli-github-secret';
const SW_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

interface Line {
  n: number;
  status: number;
  outcome: string;
  expected: boolean;
}

const deliveries = (run: Awaited<ReturnType<typeof cli>>) =>
  run.json().filter((line) => !('summary' in line)) as unknown as Line[];
const summary = (run: Awaited<ReturnType<typeof cli>>) =>
  (run.json().find((line) => 'summary' in line) as { summary: { unexpected: number; sent: number } }).summary;

for (const target of targets.filter((t) => !t.name.startsWith('fetch') && !t.name.includes('route-level'))) {
  describe(`hookgate send against ${target.name}`, () => {
    let app: RunningApp;
    let orderedApp: RunningApp;
    const processed: string[] = [];
    const order: number[] = [];

    beforeAll(async () => {
      const receiver = createReceiver({
        scheme: github({ secret: GITHUB_SECRET }),
        dedupe: { store: new MemoryStore() },
      });
      receiver.on('issues.opened', async (_event, ctx) => {
        await sleep(5);
        processed.push(ctx.id ?? '');
      });
      app = await target.start(receiver, 'plain');
      const ordered = createReceiver({
        scheme: standardWebhooks({ secret: SW_SECRET }),
        order: {
          key: (event) => (event as { data: { customer: string } }).data.customer,
          sequence: (event) => (event as { data: { seq: number } }).data.seq,
          start: 1,
          holdMs: 5_000,
        },
      });
      ordered.onAny((event) => {
        order.push((event as { data: { seq: number } }).data.seq);
      });
      orderedApp = await target.start(ordered, 'plain');
    });
    afterAll(async () => {
      await app.close();
      await orderedApp.close();
    });

    test('--duplicate 5: one processed, four duplicates, exit 0', async () => {
      processed.length = 0;
      const run = await cli([
        'send',
        `${app.url}/webhooks`,
        '--scheme',
        'github',
        '--secret',
        GITHUB_SECRET,
        '--type',
        'issues',
        '--data',
        '{"action":"opened","issue":{"number":1}}',
        '--duplicate',
        '5',
        '--json',
      ]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = deliveries(run);
      expect(lines).toHaveLength(5);
      expect(lines.every((line) => line.status === 200 || line.status === 409)).toBe(true);
      expect(lines.filter((line) => line.outcome === 'processed')).toHaveLength(1);
      // A copy arriving while the first still runs is answered 409 (retry later); the rest are duplicates.
      expect(
        lines.filter((line) => line.outcome === 'duplicate' || line.outcome === 'delivery_in_flight'),
      ).toHaveLength(4);
      expect(processed).toHaveLength(1);
      expect(summary(run)).toMatchObject({ sent: 5, unexpected: 0 });
    });

    test('--tamper: 401 reported as expected, exit 0; without --tamper a 401 is unexpected, exit 1', async () => {
      const base = [
        'send',
        `${app.url}/webhooks`,
        '--scheme',
        'github',
        '--type',
        'issues',
        '--data',
        '{"action":"opened"}',
      ];
      const tampered = await cli([...base, '--secret', GITHUB_SECRET, '--tamper']);
      expect(tampered.code).toBe(0);
      expect(tampered.stdout).toMatch(/✓ #1\s+401 invalid_signature/);
      expect(tampered.stdout).toMatch(/1 delivery in \d+ ms: 1 invalid_signature — all as expected \(401\)/);
      const forged = await cli([...base, '--secret', 'not-the-secret']);
      expect(forged.code).toBe(1);
      expect(forged.stdout).toMatch(/✗ #1\s+401 invalid_signature/);
      expect(forged.stdout).toMatch(/1 unexpected \(expected 2xx\)/);
    });

    test('--shuffle with strict ordering: the handler runs the sequence in order', async () => {
      order.length = 0;
      const customer = `cus_${target.name.replace(/\W/g, '')}`;
      const events = Array.from({ length: 8 }, (_, index) => ({
        type: 'customer.updated',
        data: { customer, seq: index + 1 },
      }));
      const run = await cli(
        ['send', `${orderedApp.url}/webhooks`, '--scheme', 'standard-webhooks', '--shuffle', '--json'],
        { stdin: JSON.stringify(events), env: { HOOKGATE_SECRET: SW_SECRET } },
      );
      expect(run.code).toBe(0);
      const sentOrder = deliveries(run).map((line) => line.n);
      expect(sentOrder).toHaveLength(8);
      expect(order).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });
  });
}

describe('hookgate send and sign, other schemes', () => {
  let app: RunningApp;
  const ids: string[] = [];
  beforeAll(async () => {
    const receiver = createReceiver({ scheme: stripe({ secret: 'whsec_stripe_cli' }) });
    receiver.onAny((_event, ctx) => {
      ids.push(ctx.id ?? '');
    });
    const node = targets.find((t) => t.name === 'node:http');
    if (!node) throw new Error('no node:http target');
    app = await node.start(receiver, 'plain');
  });
  afterAll(() => app.close());

  test('--count gives every delivery an id of its own (Stripe: the body id); --stale is a 401', async () => {
    const base = ['send', `${app.url}/webhooks`, '--scheme', 'stripe', '--secret', 'whsec_stripe_cli'];
    const body = '{"id":"evt_1","type":"invoice.paid"}';
    const run = await cli([...base, '--data', body, '--count', '3', '--concurrency', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/3 deliveries in \d+ ms: 3 processed — all as expected/);
    expect(new Set(ids).size).toBe(3);
    const stale = await cli([...base, '--data', body, '--stale']);
    expect(stale.code).toBe(0);
    expect(stale.stdout).toMatch(/401 timestamp_outside_window/);
  });

  test('a long send draws a progress bar on stderr, ending at the total', async () => {
    const run = await cli([
      'send',
      `${app.url}/webhooks`,
      '--scheme',
      'stripe',
      '--secret',
      'whsec_stripe_cli',
      '--data',
      '{"id":"evt_bar","type":"x"}',
      '--count',
      '60',
      '--concurrency',
      '20',
      '--progress',
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((line) => line.startsWith('✓'))).toHaveLength(60);
    expect(run.stderr).toContain(`\r[${'#'.repeat(30)}] 60/60\n`);
    expect(run.stderr).toContain('] 1/60');
  });

  test('sign prints headers that verify; --stale on a scheme without timestamps is a usage error', async () => {
    const run = await cli(['sign', '--scheme', 'stripe', '--secret', 'whsec_stripe_cli', '--data', '{"id":"evt_9"}']);
    expect(run.code).toBe(0);
    const [name, value] = run.stdout.trim().split(': ');
    expect(name).toBe('stripe-signature');
    const response = await fetch(`${app.url}/webhooks`, {
      method: 'POST',
      headers: { [name ?? '']: value ?? '' },
      body: '{"id":"evt_9"}',
    });
    expect(response.status).toBe(200);
    const usage = await cli(['send', app.url, '--scheme', 'github', '--secret', 's', '--data', '{}', '--stale']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe(
      'hookgate send: --stale: the github scheme signs no timestamp (dedupe stops its replays) (see hookgate send --help)\n',
    );
  });

  test('errors are one line: unknown scheme, missing secret, unreachable receiver, unknown command', async () => {
    const cases: [string[], number, RegExp][] = [
      [['send', app.url, '--scheme', 'nope', '--secret', 's', '--data', '{}'], 2, /unknown scheme "nope"/],
      [['send', app.url, '--scheme', 'github', '--data', '{}'], 2, /a secret is required/],
      [
        ['send', 'http://127.0.0.1:1/webhooks', '--scheme', 'github', '--secret', 's', '--data', '{}'],
        1,
        /cannot reach/,
      ],
      [['frobnicate'], 2, /unknown command "frobnicate"/],
      [['send', app.url, '--bogus'], 2, /unknown option '--bogus'/],
    ];
    for (const [argv, code, message] of cases) {
      const run = await cli(argv);
      expect(run.code, argv.join(' ')).toBe(code);
      expect(run.stderr).toMatch(message);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  test('--help for every command, with examples', async () => {
    for (const command of ['sign', 'send', 'log', 'replay', 'verify', 'inspect']) {
      const run = await cli([command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^Usage: hookgate /);
      expect(run.stdout).toMatch(/Examples?:/);
    }
    expect((await cli(['--help'])).stdout).toMatch(/hookgate send http:\/\/127\.0\.0\.1:3000\/webhooks/);
  });

  test('the built bin runs with node', async () => {
    const bin = join(import.meta.dirname, '../dist/cli.js');
    if (!existsSync(bin)) throw new Error('packages/cli is not built: run pnpm build');
    // Asynchronously: the receiver answering it lives in this process.
    const result = await promisify(execFile)(
      process.execPath,
      [bin, 'send', `${app.url}/webhooks`, '--scheme', 'stripe', '--data', '{"id":"evt_bin"}'],
      { env: { ...process.env, HOOKGATE_SECRET: 'whsec_stripe_cli' }, encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/✓ #1\s+200 processed/);
  });
});
