/**
 * The interop and published-vector deliveries (./cases.ts) on the real
 * runtimes: a Bun server, a Deno server and Cloudflare's workerd (through
 * Miniflare), each running ./app.ts over the built @hookgate/core and
 * receiving real HTTP. Each must pick Web Crypto, and answer every case as
 * Node (node:crypto, in process) does and as the case expects: same status,
 * same body, same handler calls with the same bytes.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type HandlerCall, type RuntimeInfo } from './app.js';
import { buildCases, type RuntimeCase } from './cases.js';
import { type RunningRuntime, startBun, startDeno, startWorkerd } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const cases = await buildCases();

interface Answer {
  status: number;
  body: string;
  calls: Omit<HandlerCall, 'receiver'>[];
}

/** Sends every case to an app (in process or over HTTP) and collects the answers and handler calls. */
async function answersFrom(fetchApp: (path: string, init?: RequestInit) => Promise<Response>): Promise<Answer[]> {
  const planned = await fetchApp('/__plan', { method: 'POST', body: JSON.stringify(cases.map((c) => c.receiver)) });
  expect(planned.status).toBe(200);
  const answers: Answer[] = [];
  for (const [index, c] of cases.entries()) {
    const response = await fetchApp(`/r/${index}`, { method: 'POST', headers: c.headers, body: c.body });
    answers.push({ status: response.status, body: await response.text(), calls: [] });
  }
  const calls = (await (await fetchApp('/__calls')).json()) as HandlerCall[];
  for (const { receiver, ...call } of calls) answers[receiver]?.calls.push(call);
  return answers;
}

const RUNTIMES: [string, () => Promise<RunningRuntime>][] = [
  ['bun', () => startBun(join(here, 'serve-bun.ts'))],
  ['deno', () => startDeno(join(here, 'serve-deno.ts'))],
  ['workerd', () => startWorkerd(join(here, 'worker.ts'))],
];

let reference: Answer[];

beforeAll(async () => {
  const app = createApp();
  reference = await answersFrom((path, init) => app(new Request(`http://node.test${path}`, init)));
});

describe('node (in process, node:crypto): the reference answers', () => {
  test.each(cases.map((c, index) => [c.name, c, index] as const))('%s', (_name, c: RuntimeCase, index) => {
    const answer = reference[index];
    expect(answer?.status).toBe(c.status);
    if (c.code !== undefined) expect(JSON.parse(answer?.body ?? '{}').error?.code).toBe(c.code);
    // A delivery the handler saw arrived byte for byte.
    expect(answer?.calls).toHaveLength(c.status === 200 ? 1 : 0);
    for (const call of answer?.calls ?? []) expect(call.rawBody).toBe(Buffer.from(c.body, 'utf8').toString('base64'));
  });
});

describe.each(RUNTIMES)('%s', (runtime, start) => {
  let running: RunningRuntime | undefined;
  let answers: Answer[] = [];
  let info: RuntimeInfo;

  beforeAll(async () => {
    running = await start();
    const url = running.url;
    info = (await (await fetch(`${url}/__info`)).json()) as RuntimeInfo;
    answers = await answersFrom((path, init) => fetch(`${url}${path}`, init));
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
  });

  test('is the runtime it claims, and chose Web Crypto', () => {
    expect(info.userAgent.toLowerCase()).toContain(runtime === 'workerd' ? 'cloudflare-workers' : runtime);
    expect(info.cryptoBackend).toBe('web-crypto');
    // Bun and Deno have a Buffer global; a Worker without nodejs_compat has none.
    expect(info.hasBuffer).toBe(runtime !== 'workerd');
  });

  test.each(cases.map((c, index) => [c.name, index] as const))('%s: answers as Node does', (_name, index) => {
    expect(answers[index]).toEqual(reference[index]);
  });
});
