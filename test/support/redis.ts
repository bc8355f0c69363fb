/**
 * Real Redis servers for tests: the shared one on 127.0.0.1:6379, and
 * throwaway ones on free ports that a test may pause, stop and restart
 * without disturbing anyone else. No mocks.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, test } from 'vitest';
import { IN_CI } from './ci.js';
import { freePort, LOOPBACK } from './net.js';
import { removeKeysUnder } from './redis-keys.js';
import { RespClient } from './resp-client.js';
import { sleep } from './time.js';

export const REDIS_HOST = LOOPBACK;
export const REDIS_PORT = 6379;

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

/**
 * Every key a test file writes to the shared Redis lives under this prefix,
 * unique to the run (and the file: each runs in a worker of its own), so
 * `removeRunKeysAfterAll` can delete them all at the end.
 */
export const RUN_PREFIX = `test:${randomUUID()}:`;

/** Deletes every key under RUN_PREFIX from the shared Redis after the file's tests (call once per file). */
export function removeRunKeysAfterAll(): void {
  afterAll(async () => {
    if (!redisUp) return;
    const resp = await RespClient.connect(REDIS_PORT, REDIS_HOST);
    try {
      await removeKeysUnder(resp.sendCommand, RUN_PREFIX);
    } finally {
      resp.close();
    }
  });
}

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

export interface ThrowawayCluster {
  /** The nodes' client ports, in slot order: node i owns the i-th third of the slots (for 3 nodes). */
  readonly ports: readonly number[];
  dispose(): Promise<void>;
}

/**
 * A Redis Cluster of our own: `nodes` primaries on free ports, the 16384 slots
 * split evenly between them, no replicas. Resolves once every node reports
 * `cluster_state:ok`.
 */
/** CLUSTER SLOTS as [first, last, owner port] triples, sorted: what every node must agree on. */
function slotOwners(map: unknown): [number, number, number][] {
  if (!Array.isArray(map)) return [];
  return map
    .map((range): [number, number, number] => {
      const [first, last, owner] = range as [unknown, unknown, unknown[]];
      return [Number(first), Number(last), Number(owner?.[1])];
    })
    .sort((a, b) => a[0] - b[0]);
}

export async function startThrowawayCluster(nodes = 3): Promise<ThrowawayCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const busPorts: number[] = [];
  const dispose = async () => {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < nodes; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      ports.push(port);
      busPorts.push(busPort);
      const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', REDIS_HOST];
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`));
      args.push('--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no');
      children.push(spawn('redis-server', args, { stdio: 'ignore' }));
    }
    for (const port of ports) {
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = await pingRedis(port, REDIS_HOST, 200);
        if (!up) await sleep(50);
      }
      if (!up) throw new Error(`cluster node on port ${port} did not start`);
    }
    const admins = await Promise.all(ports.map((port) => RespClient.connect(port, REDIS_HOST)));
    try {
      const share = Math.floor(16384 / nodes);
      for (const [i, admin] of admins.entries()) {
        const last = i === nodes - 1 ? 16383 : (i + 1) * share - 1;
        await admin.sendCommand(['CLUSTER', 'ADDSLOTSRANGE', String(i * share), String(last)]);
        if (i > 0) await admin.sendCommand(['CLUSTER', 'MEET', REDIS_HOST, String(ports[0]), String(busPorts[0])]);
      }
      for (const admin of admins) {
        let ok = false;
        for (let i = 0; i < 200 && !ok; i++) {
          ok = String(await admin.sendCommand(['CLUSTER', 'INFO'])).includes('cluster_state:ok');
          if (!ok) await sleep(50);
        }
        if (!ok) throw new Error('the throwaway cluster did not reach cluster_state:ok');
      }
      // "ok" on each node is not yet one slot map everywhere: wait until every node gives the same
      // CLUSTER SLOTS twice in a row, or a client that reads it early is redirected (MOVED).
      let agreed = 0;
      for (let i = 0; i < 200 && agreed < 2; i++) {
        const maps = await Promise.all(admins.map((admin) => admin.sendCommand(['CLUSTER', 'SLOTS'])));
        const views = maps.map((map) => JSON.stringify(slotOwners(map)));
        agreed = views.every((view) => view === views[0]) ? agreed + 1 : 0;
        await sleep(50);
      }
      if (agreed < 2) throw new Error('the throwaway cluster nodes did not agree on the slot map');
    } finally {
      for (const admin of admins) admin.close();
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return { ports, dispose };
}
