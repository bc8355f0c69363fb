/**
 * Real Redis servers for tests: the shared one on 127.0.0.1:6379, and
 * throwaway ones on free ports that a test may pause, stop and restart
 * without disturbing anyone else. No mocks.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'vitest';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Resolves true when a Redis on host:port answers PING within timeoutMs. */
export function pingRedis(port: number, host = REDIS_HOST, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

export const redisUp = await pingRedis(REDIS_PORT);
export const redisServerBinary = spawnSync('redis-server', ['--version']).status === 0;

/**
 * describe() for suites that need Redis on 127.0.0.1:6379 (and, with
 * needsBinary, the redis-server binary for throwaway servers). Without them:
 * skipped on a laptop, but under CI=true a failing test says what is missing.
 */
export function describeWithRedis(name: string, fn: () => void, options: { needsBinary?: boolean } = {}): void {
  const missing = [
    redisUp ? undefined : `Redis does not answer on ${REDIS_HOST}:${REDIS_PORT}`,
    options.needsBinary && !redisServerBinary ? 'redis-server is not installed' : undefined,
  ].filter((reason): reason is string => reason !== undefined);
  if (missing.length === 0) {
    describe(name, fn);
  } else if (IN_CI) {
    describe(name, () => {
      test('Redis is available (required under CI)', () => {
        throw new Error(`${missing.join('; ')}: start it with redis-server --daemonize yes --port 6379`);
      });
    });
  } else {
    describe.skip(`${name} (${missing.join('; ')})`, fn);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, REDIS_HOST, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ThrowawayRedis {
  readonly port: number;
  readonly url: string;
  /** SIGSTOP: the server keeps its connections and data but answers nothing. */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Stops the process (SIGTERM), keeping its data on disk when persistent. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits until it answers. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  dispose(): Promise<void>;
}

/**
 * A redis-server of our own on a free port. `persistent` keeps an append-only
 * file (fsync always) in a temp dir, so stop()/start() keeps what was written,
 * as a production Redis with persistence would.
 */
export async function startThrowawayRedis(options: { persistent?: boolean } = {}): Promise<ThrowawayRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-redis-'));
  const args = ['--port', String(port), '--bind', REDIS_HOST, '--save', '', '--dir', dir, '--daemonize', 'no'];
  args.push(...(options.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
    child = proc;
    for (let i = 0; i < 100; i++) {
      if (await pingRedis(port, REDIS_HOST, 200)) return;
      if (proc.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`throwaway redis-server on port ${port} did not start`);
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGCONT');
    proc.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://${REDIS_HOST}:${port}`,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    stop,
    start,
    dispose: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP server that accepts connections and never answers: a hung Redis. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, REDIS_HOST, resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
