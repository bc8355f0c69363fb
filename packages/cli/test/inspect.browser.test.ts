import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createReceiver, stripe } from '@hookgate/core';
import { logEntryFixture, signGitHub, signStripe } from '@hookgate/core/testing';
import { RedisDeliveryLog } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IN_CI } from '../../../test/support/ci.js';
import { describeWithRedis, REDIS_HOST, REDIS_PORT } from '../../../test/support/redis.js';
import type { cli } from './helpers.js';
import { startApp } from './receiver-app.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SECRET = 'inspector-github-secret';
const STRIPE_SECRET = 'whsec_inspector_stripe';

const suite = existsSync(CHROMIUM) ? describeWithRedis : IN_CI ? describeWithRedis : describe.skip;

suite('hookgate inspect in a real browser (Chromium)', () => {
  if (!existsSync(CHROMIUM)) {
    test('Chromium is installed (required under CI)', () => {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    });
    return;
  }
  const prefix = `test:inspect:${randomUUID()}:`;
  const stopInspector = new AbortController();
  const requests: string[] = [];
  let client: Redis;
  let app: Awaited<ReturnType<typeof startApp>>;
  let inspector: Promise<Awaited<ReturnType<typeof cli>>>;
  let inspectorUrl: string;
  let browser: Browser;
  let page: Page;
  const delivery = randomUUID();

  beforeAll(async () => {
    client = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
    app = await startApp({ client, prefix, secret: SECRET });
    const post = (body: string, headers: Record<string, string>) =>
      fetch(app.url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    const issue = JSON.stringify({ action: 'opened', issue: { number: 7, title: 'Replay me' } });
    expect((await post(issue, signGitHub({ secret: SECRET, body: issue, event: 'issues', delivery }))).status).toBe(
      500,
    );
    const push = JSON.stringify({ ref: 'refs/heads/main' });
    expect((await post(push, signGitHub({ secret: SECRET, body: push, event: 'push' }))).status).toBe(200);
    expect((await post(push, signGitHub({ secret: 'forged', body: push, event: 'push' }))).status).toBe(401);
    // A second app, another scheme, the same log: the scheme filter has something to tell apart.
    const stripeReceiver = createReceiver({
      scheme: stripe({ secret: STRIPE_SECRET }),
      log: { store: new RedisDeliveryLog({ client, prefix }) },
    });
    stripeReceiver.onAny(() => {});
    const invoice = JSON.stringify({ id: 'evt_1', type: 'invoice.paid' });
    const answer = await stripeReceiver.handle({
      method: 'POST',
      headers: signStripe({ secret: STRIPE_SECRET, body: invoice }),
      body: invoice,
    });
    expect(answer.status).toBe(200);
    await stripeReceiver.close();
    await app.receiver.close(); // flushes the log
    // An older delivery whose body is not JSON (a form, say): the page shows it raw.
    await new RedisDeliveryLog({ client, prefix }).append(
      logEntryFixture({
        receivedAt: Date.now() - 60_000,
        scheme: 'hmac',
        type: 'form.posted',
        outcome: 'unavailable',
        status: 503,
        code: 'store_unavailable',
        captured: true,
        capture: {
          body: Buffer.from('name=Ada&note=<b>not html</b>'),
          bodyBytes: 29,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          envelope: undefined,
        },
      }),
    );

    let listening: (url: string) => void = () => {};
    const ready = new Promise<string>((resolve) => {
      listening = resolve;
    });
    inspector = (async () => {
      const { runCli } = await import('@hookgate/cli');
      let stdout = '';
      let stderr = '';
      const code = await runCli(
        [
          'inspect',
          '--redis',
          `redis://${REDIS_HOST}:${REDIS_PORT}`,
          '--prefix',
          prefix,
          '--port',
          '0',
          '--to',
          app.url,
          '--resign',
          '--scheme',
          'github',
        ],
        {
          stdout: (text) => {
            stdout += text;
          },
          stderr: (text) => {
            stderr += text;
          },
          readStdin: async () => Buffer.alloc(0),
          stdinIsTTY: true,
          stderrIsTTY: false,
          env: { HOOKGATE_SECRET: SECRET },
          signal: stopInspector.signal,
          onListening: listening,
        },
      );
      return { code, stdout, stderr, json: () => [] };
    })();
    inspectorUrl = await Promise.race([
      ready,
      inspector.then((run) => {
        throw new Error(`inspect stopped: ${run.stderr}`);
      }),
    ]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    page = await browser.newPage();
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(inspectorUrl);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    stopInspector.abort();
    await inspector;
    await app?.close();
    await client?.quit();
  });

  const rows = () => page.locator('#entries tbody tr');
  const outcomes = () => page.locator('#entries tbody tr td.outcome').allTextContents();

  test('lists every delivery, newest first', async () => {
    await expect.poll(() => rows().count()).toBe(5);
    const times = await page.locator('#entries tbody tr td:first-child').allTextContents();
    expect([...times].sort().reverse()).toEqual(times);
    expect(await outcomes()).toEqual([
      'processed',
      'rejected (invalid_signature)',
      'unhandled',
      'failed (handler_failed)',
      'unavailable (store_unavailable)',
    ]);
  });

  test('filters by outcome, scheme and type', async () => {
    await page.selectOption('#outcome', 'failed');
    await expect.poll(outcomes).toEqual(['failed (handler_failed)']);
    await page.selectOption('#outcome', '');
    await page.fill('#scheme', 'stripe');
    await page.click('#refresh');
    await expect.poll(() => page.locator('#entries tbody tr td:nth-child(2)').allTextContents()).toEqual(['stripe']);
    await page.fill('#scheme', '');
    await page.fill('#type', 'push');
    await page.click('#refresh');
    await expect.poll(outcomes).toEqual(['unhandled']); // the forged push was never read: it has no type
    await page.fill('#type', '');
    await page.click('#refresh');
    await expect.poll(() => rows().count()).toBe(5);
  });

  test('a body that is not JSON is shown raw, as text (never as HTML)', async () => {
    await page.locator('#entries tbody tr', { hasText: 'store_unavailable' }).click();
    await expect.poll(() => page.locator('#meta dd[data-field="type"]').textContent()).toBe('form.posted');
    expect(await page.locator('#body').textContent()).toBe('name=Ada&note=<b>not html</b>');
    expect(await page.locator('#body b').count()).toBe(0);
    expect(await page.locator('#body-kind').textContent()).toBe('(29 bytes, raw)');
    // Sending it again over HTTP needs only its bytes: the button is on even though receiver.replay would refuse it.
    expect(await page.locator('#replay').isEnabled()).toBe(true);
  });

  test('opens a delivery: metadata, allow-listed headers, pretty JSON body, no secret or signature', async () => {
    await page.locator('#entries tbody tr', { hasText: 'handler_failed' }).click();
    await expect.poll(() => page.locator('#meta dd[data-field="id"]').textContent()).toBe(delivery);
    expect(await page.locator('#meta dd[data-field="outcome"]').textContent()).toBe('failed');
    expect(await page.locator('#meta dd[data-field="code"]').textContent()).toBe('handler_failed');
    const headerNames = await page.locator('#headers tbody tr td:first-child').allTextContents();
    expect(headerNames.sort()).toEqual(['content-type', 'user-agent', 'x-github-delivery', 'x-github-event']);
    expect(await page.locator('#body').textContent()).toBe(
      JSON.stringify({ action: 'opened', issue: { number: 7, title: 'Replay me' } }, null, 2),
    );
    expect(await page.locator('#body-kind').textContent()).toMatch(/JSON, pretty-printed/);
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/x-hub-signature|sha256=/);
    expect(await page.locator('#replay').isEnabled()).toBe(true);
  });

  test('replay asks first; cancelled, nothing is sent; confirmed, the new outcome shows at the top', async () => {
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.click('#replay');
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0]).toMatch(/^Send delivery \S+ again to http:\/\/127\.0\.0\.1:\d+\/webhooks\?$/);
    expect(await page.locator('#replay-result').textContent()).toBe('');
    expect(app.processed).toEqual([]);

    app.fix();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('#replay');
    await expect
      .poll(() => page.locator('#replay-result').textContent())
      .toMatch(/^Replayed → 200 processed \(\d+ ms\)$/);
    expect(app.processed).toEqual([{ delivery, number: 7 }]);
    // The receiver logged the new attempt; the list reloads with it on top.
    await expect.poll(() => rows().count(), { timeout: 5_000 }).toBe(6);
    expect((await outcomes())[0]).toBe('processed');
    const newest = await rows().first().getAttribute('data-key');
    await rows().first().click();
    // Wait for this entry's details (the panel still shows the one opened before until they load).
    await expect.poll(() => page.locator('#meta dd[data-field="key"]').textContent()).toBe(newest);
    expect(await page.locator('#meta dd[data-field="id"]').textContent()).toBe(delivery);
    expect(await page.locator('#meta dd[data-field="outcome"]').textContent()).toBe('processed');
    expect(await page.locator('#meta dd[data-field="attempts"]').textContent()).toBe('2');
  });

  test('the page loads nothing from elsewhere, and the API refuses a foreign Host and a cross-site replay', async () => {
    const origin = new URL(inspectorUrl).origin;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((url) => !url.startsWith(origin))).toEqual([]);
    const key = await rows().first().getAttribute('data-key');
    const replay = await fetch(`${origin}/api/entries/${key}/replay`, { method: 'POST' });
    expect(replay.status).toBe(403);
    // A DNS-rebinding page reaches the port under its own host name: refused.
    const rebinding = await new Promise<number>((resolve, reject) => {
      request(`${origin}/api/entries`, { headers: { host: 'evil.example' } }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(rebinding).toBe(403);
  });
});
