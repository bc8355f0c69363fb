/**
 * HTTP section: each row's server runs in its own child process on
 * 127.0.0.1; autocannon drives it from this process with 1 KiB signed JSON
 * and a fresh delivery id on every request.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { eventId, makePayload, signGitHub } from './fixtures.js';
import { HTTP_ROWS, WEBHOOK_PATH } from './http-rows.js';

export interface HttpOptions {
  durationSec: number;
  warmupSec: number;
  connections: number;
  rounds: number;
  only: readonly string[];
  log: (line: string) => void;
}

export interface HttpMeasurement {
  row: string;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** Server process CPU time (user + system) per request served, microseconds. */
  cpuMicrosPerRequest: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Every round's requests/s (the best round is reported). */
  roundsRequestsPerSec: number[];
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

/** GitHub signs the body only, so one signature serves every delivery id. */
const BODY = makePayload(1024, eventId(0));
const SIGNED = signGitHub(BODY, 'unused');
let deliveries = 0;

function load(port: number, seconds: number, connections: number): Promise<autocannon.Result> {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: WEBHOOK_PATH,
        setupRequest: (request) => ({
          ...request,
          headers: { ...SIGNED.headers, 'x-github-delivery': `bench-${process.pid}-${deliveries++}` },
          body: BODY,
        }),
      },
    ],
  });
}

async function measureRow(row: string, options: HttpOptions): Promise<Omit<HttpMeasurement, 'roundsRequestsPerSec'>> {
  const child = fork(SERVER, [row], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const { port } = await next(child, 'listening');
    if (options.warmupSec > 0) await load(port!, options.warmupSec, options.connections);
    child.send({ type: 'start' });
    const result = await load(port!, options.durationSec, options.connections);
    child.send({ type: 'stop' });
    const { cpuMicros, requests } = await next(child, 'stopped');
    const served = requests ?? 0;
    return {
      row,
      requestsPerSec: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      cpuMicrosPerRequest: served > 0 ? (cpuMicros ?? 0) / served : Number.NaN,
      requests: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
    };
  } finally {
    child.send({ type: 'exit' });
    await Promise.race([next(child, 'never').catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    if (child.exitCode === null) child.kill();
  }
}

export async function runHttp(options: HttpOptions): Promise<HttpMeasurement[]> {
  const rows = HTTP_ROWS.filter((row) => options.only.length === 0 || options.only.includes(row.id));
  const rounds = new Map<string, Omit<HttpMeasurement, 'roundsRequestsPerSec'>[]>();
  for (let round = 0; round < options.rounds; round++) {
    for (const row of rows) {
      const measured = await measureRow(row.id, options);
      if (measured.non2xx > 0 || measured.errors > 0) {
        throw new Error(`HTTP ${row.id}: ${measured.non2xx} non-2xx answers, ${measured.errors} errors`);
      }
      rounds.set(row.id, [...(rounds.get(row.id) ?? []), measured]);
      options.log(
        `  http ${row.id}: ${Math.round(measured.requestsPerSec)} req/s (round ${round + 1}/${options.rounds})`,
      );
    }
  }
  return rows.map((row) => {
    const list = rounds.get(row.id)!;
    const best = list.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
    return { ...best, roundsRequestsPerSec: list.map((m) => m.requestsPerSec) };
  });
}
