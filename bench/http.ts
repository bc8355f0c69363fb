/**
 * HTTP section: each row's server runs in its own child process on
 * 127.0.0.1; autocannon drives it from this process with 1 KiB signed JSON
 * and a fresh delivery id on every request. Every server starts once and
 * stays up; rounds are interleaved (every row for a short slice per round);
 * when `taskset` is there, the servers are pinned to one core and this process
 * (the load generator) to another, so server and load never share one. Each
 * row can run in several processes, each measured in its own block of rounds:
 * one process's CPU per request carries a bias of its own of a few per cent
 * (two processes of the same row differ by that much, run after run), which
 * rounds of that process alone cannot average out.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { eventId, makePayload, nowSeconds, signGitHub, signStandardWebhooks } from './fixtures.js';
import { type DeliveryKind, HTTP_ROWS, WEBHOOK_PATH } from './http-rows.js';

export interface HttpOptions {
  durationSec: number;
  warmupSec: number;
  connections: number;
  rounds: number;
  /** Server processes per row, started at once; the rounds go to them in consecutive blocks, each warmed up just before. */
  instances: number;
  only: readonly string[];
  /**
   * Load every row at once in each round (all servers share the server core) instead of one
   * after another: for A/B comparisons on a noisy machine, where load changes within seconds.
   */
  together?: boolean | undefined;
  /** Directory for a `--cpu-prof` profile of each loaded server, or undefined. */
  cpuProfDir?: string | undefined;
  log: (line: string) => void;
}

export interface HttpRound {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Server process CPU time (user + system) per request served, microseconds. */
  cpuMicrosPerRequest: number;
  /** Which of the row's processes served this round (0 when it has one). */
  instance: number;
}

export interface HttpMeasurement extends Omit<HttpRound, 'instance'> {
  /** Medians over the rounds (each figure on its own). */
  row: string;
  requests: number;
  /** Every round, in order: ratios are taken round by round, between neighbours in time. */
  rounds: HttpRound[];
  /** Server processes this row ran in. */
  instances: number;
  /** Cores the server and the load generator were pinned to, when they were. */
  pinned?: { server: number; load: number };
}

const SERVER = fileURLToPath(new URL('./http-server.ts', import.meta.url));

interface ChildMessage {
  type: string;
  port?: number;
  cpuMicros?: number;
  requests?: number;
}

function next(child: ChildProcess, type: string): Promise<ChildMessage> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`server exited (${code}) before "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** The body every HTTP row is sent (1 KiB of JSON). */
export const BODY = makePayload(1024, eventId(0));
/** GitHub signs the body only, so one signature serves every delivery id. */
const GITHUB_SIGNED = signGitHub(BODY, 'unused');
let deliveries = 0;

/** The headers of one delivery of BODY: a fresh delivery id (and for Standard Webhooks, a fresh signature). */
export function headersFor(kind: DeliveryKind): Record<string, string> {
  const id = `bench-${process.pid}-${deliveries++}`;
  if (kind === 'github') return { ...GITHUB_SIGNED.headers, 'x-github-delivery': id };
  return signStandardWebhooks(BODY, id, nowSeconds()).headers;
}

function load(port: number, seconds: number, connections: number, kind: DeliveryKind): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    // autocannon stops only at the end of a sample interval (1 s by default): a shorter slice needs a shorter one.
    sampleInt: Math.min(1000, seconds * 1000),
    requests: [
      {
        method: 'POST',
        path: WEBHOOK_PATH,
        setupRequest: (request) => ({ ...request, headers: headersFor(kind), body: BODY }),
      },
    ],
  });
}

/** Server on the last core, load generator on the first, when taskset can pin them. */
function pinning(): { server: number; load: number } | undefined {
  const count = cpus().length;
  if (count < 2) return undefined;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return { server: count - 1, load: 0 };
  } catch {
    return undefined;
  }
}

function startServer(
  row: string,
  instance: number,
  pinned: { server: number } | undefined,
  cpuProfDir: string | undefined,
) {
  const nodeArgs = ['--import', 'tsx'];
  // One directory per process: Node writes a profile per thread (tsx's loader runs in a worker), the main one is the largest.
  if (cpuProfDir)
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}/${instance === 0 ? row : `${row}-${instance}`}`);
  const [command, args] = pinned
    ? ['taskset', ['-c', String(pinned.server), process.execPath, ...nodeArgs, SERVER, row]]
    : [process.execPath, [...nodeArgs, SERVER, row]];
  return spawn(command as string, args as string[], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

interface RunningServer {
  child: ChildProcess;
  port: number;
}

async function startRow(
  row: (typeof HTTP_ROWS)[number],
  instance: number,
  options: HttpOptions,
  pinned: { server: number } | undefined,
): Promise<RunningServer> {
  const child = startServer(row.id, instance, pinned, options.cpuProfDir);
  const { port } = await next(child, 'listening');
  return { child, port: port! };
}

async function warmUp(row: (typeof HTTP_ROWS)[number], server: RunningServer, options: HttpOptions): Promise<void> {
  if (options.warmupSec > 0) await load(server.port, options.warmupSec, options.connections, row.delivery);
}

async function stopRow({ child }: RunningServer, options: HttpOptions): Promise<void> {
  child.send({ type: 'exit' });
  // A profiled server writes its profile on exit: give it time.
  const grace = options.cpuProfDir ? 10_000 : 2000;
  await Promise.race([next(child, 'never').catch(() => {}), new Promise((r) => setTimeout(r, grace))]);
  if (child.exitCode === null) child.kill();
}

async function measureRow(
  row: (typeof HTTP_ROWS)[number],
  server: RunningServer,
  instance: number,
  options: HttpOptions,
): Promise<HttpRound & { requests: number; non2xx: number; errors: number }> {
  const { child, port } = server;
  child.send({ type: 'start' });
  const result = await load(port, options.durationSec, options.connections, row.delivery);
  child.send({ type: 'stop' });
  const { cpuMicros, requests } = await next(child, 'stopped');
  const served = requests ?? 0;
  return {
    requestsPerSec: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    cpuMicrosPerRequest: served > 0 ? (cpuMicros ?? 0) / served : Number.NaN,
    instance,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** The value at fraction `q` (0-1) of the sorted values, interpolated between neighbours. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const below = Math.floor(at);
  const above = Math.ceil(at);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (at - below);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export async function runHttp(options: HttpOptions): Promise<HttpMeasurement[]> {
  // In the order --only names them (neighbours in time are compared best), else the table's.
  const rows =
    options.only.length === 0 ? HTTP_ROWS : options.only.flatMap((id) => HTTP_ROWS.filter((row) => row.id === id));
  const pinned = pinning();
  options.log(
    pinned
      ? `  http: server pinned to core ${pinned.server}, load generator to core ${pinned.load}`
      : '  http: not pinned (no taskset, or one core)',
  );
  // Every server starts (and warms up) once and stays up: a round then measures each row for a
  // short slice in turn, so rows compared are measured seconds apart, under the same neighbours.
  const instances = Math.max(1, Math.floor(options.instances));
  const servers = new Map<string, RunningServer[]>();
  const rounds = new Map<string, { round: HttpRound; requests: number }[]>();
  try {
    for (let instance = 0; instance < instances; instance++) {
      for (const row of rows) {
        servers.set(row.id, [...(servers.get(row.id) ?? []), await startRow(row, instance, options, pinned)]);
      }
    }
    let warmed = -1;
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order each round, so no row always follows the same neighbour.
      const order = rows.map((_, i) => rows[(i + round) % rows.length]!);
      // The rounds in consecutive blocks, one per process number: a round's ratios pair every row's
      // process of that number, and each process sees its slices as closely spaced as a single one
      // would: a server left idle for minutes is not measured cold.
      const instance = Math.floor((round * instances) / options.rounds);
      const serverOf = (row: (typeof rows)[number]) => servers.get(row.id)![instance]!;
      if (instance !== warmed) {
        for (const row of rows) await warmUp(row, serverOf(row), options);
        warmed = instance;
      }
      const together = options.together
        ? await Promise.all(order.map((row) => measureRow(row, serverOf(row), instance, options)))
        : undefined;
      for (const [i, row] of order.entries()) {
        const { non2xx, errors, requests, ...measured } =
          together?.[i] ?? (await measureRow(row, serverOf(row), instance, options));
        if (non2xx > 0 || errors > 0) throw new Error(`HTTP ${row.id}: ${non2xx} non-2xx answers, ${errors} errors`);
        rounds.set(row.id, [...(rounds.get(row.id) ?? []), { round: measured, requests }]);
        options.log(
          `  http ${row.id}${instances > 1 ? ` #${instance + 1}` : ''}: ${Math.round(measured.requestsPerSec)} req/s, ${measured.cpuMicrosPerRequest.toFixed(1)} µs CPU/req (round ${round + 1}/${options.rounds})`,
        );
      }
    }
  } finally {
    await Promise.all([...servers.values()].flat().map((server) => stopRow(server, options)));
  }
  return rows.map((row) => {
    const list = rounds.get(row.id)!;
    const of = (pick: (r: HttpRound) => number) => median(list.map((m) => pick(m.round)));
    return {
      row: row.id,
      requestsPerSec: of((r) => r.requestsPerSec),
      p50Ms: of((r) => r.p50Ms),
      p99Ms: of((r) => r.p99Ms),
      cpuMicrosPerRequest: of((r) => r.cpuMicrosPerRequest),
      requests: median(list.map((m) => m.requests)),
      rounds: list.map((m) => m.round),
      instances,
      ...(pinned ? { pinned } : {}),
    };
  });
}

/** One row's CPU per request over another's, round by round (rows of one round ran seconds apart, under the same load). */
function costRatios(mine: HttpMeasurement, theirs: HttpMeasurement): number[] {
  const count = Math.min(mine.rounds.length, theirs.rounds.length);
  return Array.from(
    { length: count },
    (_, i) => mine.rounds[i]!.cpuMicrosPerRequest / theirs.rounds[i]!.cpuMicrosPerRequest,
  );
}

/** One row's CPU per request over another's: the median of the per-round ratios. */
export function costRatio(mine: HttpMeasurement, theirs: HttpMeasurement): number {
  return median(costRatios(mine, theirs));
}

/** The first and third quartiles of the per-round ratios: how far one round's ratio strays from the median. */
export function costRatioQuartiles(mine: HttpMeasurement, theirs: HttpMeasurement): [number, number] {
  const ratios = costRatios(mine, theirs);
  return [quantile(ratios, 0.25), quantile(ratios, 0.75)];
}

/**
 * How far apart one row's processes came out: the largest of their median CPU per request
 * over the smallest (1: no difference; NaN with one process). The same server code, so what
 * it shows is each process's own bias plus the host's load moving between their blocks.
 */
export function processSpread(measurement: HttpMeasurement): number {
  if (measurement.instances < 2) return Number.NaN;
  const medians = Array.from({ length: measurement.instances }, (_, instance) =>
    median(measurement.rounds.filter((r) => r.instance === instance).map((r) => r.cpuMicrosPerRequest)),
  );
  return Math.max(...medians) / Math.min(...medians);
}

/** The same, for req/s (above 1: this row served more). */
export function throughputRatio(mine: HttpMeasurement, theirs: HttpMeasurement): number {
  const count = Math.min(mine.rounds.length, theirs.rounds.length);
  return median(
    Array.from({ length: count }, (_, i) => mine.rounds[i]!.requestsPerSec / theirs.rounds[i]!.requestsPerSec),
  );
}
