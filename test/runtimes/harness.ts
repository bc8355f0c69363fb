/** Starting the real runtimes from the test suite: Bun and Deno servers as child processes, workerd through Miniflare. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

export interface RunningRuntime {
  /** The server's origin, e.g. http://127.0.0.1:41234. */
  url: string;
  stop(): Promise<void>;
}

/** The runtimes load the built package, as an app that installed it from npm does. */
export function requireBuiltCore(): void {
  if (!existsSync(join(root, 'packages/core/dist/index.js'))) {
    throw new Error('packages/core/dist is missing: the runtimes load the built package (run pnpm build)');
  }
}

/** The binary an npm package ships, by its `bin` entry (bun and deno link theirs there on install). */
export function binaryOf(pkg: 'bun' | 'deno'): string {
  const manifest = require(`${pkg}/package.json`) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[pkg];
  if (bin === undefined) throw new Error(`${pkg} declares no ${pkg} binary`);
  return join(dirname(require.resolve(`${pkg}/package.json`)), bin);
}

const LISTENING = /Listening on (http:\/\/127\.0\.0\.1:\d+)/;

/** Starts a server process and resolves once it prints "Listening on http://127.0.0.1:<port>". */
export function startServer(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<RunningRuntime> {
  requireBuiltCore();
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // A server that waits for open keep-alive connections on SIGTERM (fetch keeps them) must not outlive the tests.
      const kill = setTimeout(() => child.kill('SIGKILL'), 2_000);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${command} did not start within 30 s:\n${output}`));
    }, 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const url = LISTENING.exec(output)?.[1];
      if (url !== undefined) {
        clearTimeout(timer);
        resolve({ url, stop });
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

export function startBun(script: string, options?: { cwd?: string; env?: Record<string, string> }) {
  return startServer(binaryOf('bun'), [script], options);
}

export function startDeno(script: string, options?: { cwd?: string; env?: Record<string, string> }) {
  // --sloppy-imports: the test app imports its TypeScript siblings as `.js`, as tsc wants.
  return startServer(
    binaryOf('deno'),
    ['run', '--sloppy-imports', '--allow-net=127.0.0.1', '--allow-env', script],
    options,
  );
}

/**
 * Bundles a Worker as wrangler does (conditions workerd, worker, browser: no `node`, so
 * @hookgate/core's #crypto is Web Crypto) and serves it with workerd through Miniflare,
 * without nodejs_compat: no Buffer, no node:* modules.
 */
export async function startWorkerd(entry: string, bindings: Record<string, string> = {}): Promise<RunningRuntime> {
  requireBuiltCore();
  const bundle = await build({
    entryPoints: [entry],
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
  const miniflare = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents }],
    compatibilityDate: '2026-07-01',
    bindings,
  });
  const url = await miniflare.ready;
  return { url: url.origin, stop: () => miniflare.dispose() };
}
