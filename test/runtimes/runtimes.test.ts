/**
 * The interop and published-vector deliveries (./cases.ts) on the real
 * runtimes: a Bun server, a Deno server and Cloudflare's workerd (through
 * Miniflare), each running ./app.ts over the built @hookgate/core and
 * receiving real HTTP. Each must pick Web Crypto, and answer every case as
 * Node (node:crypto, in process) does and as the case expects: same status,
 * same body, same handler calls with the same bytes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type HandlerCall, type RuntimeInfo } from './app.js';
import { buildCases, type RuntimeCase } from './cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '../..');
const require = createRequire(import.meta.url);
const cases = await buildCases();

interface Answer {
  status: number;
  body: string;
  calls: Omit<HandlerCall, 'receiver'>[];
}

interface RunningRuntime {
  url: string;
  stop(): Promise<void>;
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

function builtCore(): void {
  if (!existsSync(join(root, 'packages/core/dist/index.js'))) {
    throw new Error('packages/core/dist is missing: the runtimes load the built package (run pnpm build)');
  }
}

/** Starts a server process that prints "LISTENING <port>" once it accepts connections. */
function startServer(command: string, args: string[]): Promise<RunningRuntime> {
  builtCore();
  const child: ChildProcess = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} did not start within 30 s:\n${output}`));
    }, 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const port = /LISTENING (\d+)/.exec(output)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, stop });
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}) before listening:\n${output}`));
    });
    child.once('error', reject);
  });
}

/** The binary an npm package ships, by its `bin` entry. */
function binaryOf(pkg: string, name = pkg): string {
  const manifest = require(`${pkg}/package.json`) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[name];
  if (bin === undefined) throw new Error(`${pkg} declares no ${name} binary`);
  return join(dirname(require.resolve(`${pkg}/package.json`)), bin);
}

async function startWorkerd(): Promise<RunningRuntime> {
  builtCore();
  // Bundled as wrangler does for Workers: no `node` condition, so #crypto is Web Crypto.
  const bundle = await build({
    entryPoints: [join(here, 'worker.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    target: 'es2022',
    logLevel: 'silent',
  });
  const contents = bundle.outputFiles[0]?.text ?? '';
  // No nodejs_compat flag: no Buffer, no node:* modules, as on a Worker that did not opt in.
  const miniflare = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents }],
    compatibilityDate: '2026-07-01',
  });
  const url = await miniflare.ready;
  return { url: url.origin, stop: () => miniflare.dispose() };
}

const RUNTIMES: [string, () => Promise<RunningRuntime>][] = [
  ['bun', () => startServer(binaryOf('bun'), [join(here, 'serve-bun.ts')])],
  [
    'deno',
    () =>
      startServer(binaryOf('deno'), ['run', '--sloppy-imports', '--allow-net=127.0.0.1', join(here, 'serve-deno.ts')]),
  ],
  ['workerd', startWorkerd],
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
