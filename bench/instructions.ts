/**
 * Server instructions per request over HTTP, counted by callgrind (valgrind):
 * each row's server runs under callgrind, takes `--warmup` requests (JIT and
 * tables settle), has its counts zeroed, then answers `--requests` more, which
 * are what is counted. Every instruction the server process executes in user
 * space is counted (its JavaScript, V8, Node, OpenSSL, the GC run on the main
 * thread with `--single-threaded`); the kernel's work and time waiting on
 * memory are not. The counted window is short, so a lumpy event that lands in
 * it (a full mark-compact, a function compiled again) can add 10-25% to one
 * row's total, and whether one lands there differs from run to run. So each row
 * is also reported without full collections and the compilers (V8's own
 * functions, by their symbols). A lump also costs outside its own functions
 * (write barriers while marking, code unoptimized until compiled again), so the
 * lowest "steady" count of two or three runs is the one to A/B a change on,
 * which CPU time on a shared host cannot resolve below ~5%. Across different
 * code, instructions are not time (one implementation may wait on memory more
 * per instruction), so the targets stay judged on CPU time by `pnpm bench`.
 *
 *   pnpm bench:instructions                                 # each judged pair of HTTP_ROWS
 *   pnpm bench:instructions --only=fastify-floor,hookgate-fastify --warmup=15000 --requests=5000
 *
 * Needs valgrind (`apt-get install valgrind`). Two servers run at a time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Count, countFile, requireValgrind, steady, thousands, underCallgrind, zeroCounts } from './callgrind.js';
import { BODY, headersFor } from './http.js';
import { type DeliveryKind, HTTP_ROWS, type HttpRow, WEBHOOK_PATH } from './http-rows.js';

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

const warmup = Number(flag('warmup') ?? 15_000);
const counted = Number(flag('requests') ?? 5_000);
const only = (flag('only') ?? '').split(',').filter(Boolean);
const SERVER = fileURLToPath(new URL('./instructions-server.ts', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

requireValgrind('bench:instructions');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listening(port: number): Promise<void> {
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return;
    await sleep(250);
  }
}

/** Sends `count` requests over 4 keep-alive connections; rejects on any answer but 200. */
function send(port: number, count: number, kind: DeliveryKind, agent: Agent): Promise<void> {
  let started = 0;
  let finished = 0;
  return new Promise((resolve, reject) => {
    const one = () => {
      if (started === count) return;
      started++;
      const req = request(
        { port, host: '127.0.0.1', method: 'POST', path: WEBHOOK_PATH, agent, headers: headersFor(kind) },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new Error(`answered ${res.statusCode}`));
            if (++finished === count) resolve();
            else one();
          });
        },
      );
      req.on('error', reject);
      req.end(BODY);
    };
    for (let i = 0; i < 4; i++) one();
  });
}

/** One row under callgrind: instructions per counted request. */
async function measure(row: HttpRow, port: number, dir: string): Promise<Count> {
  const out = join(dir, `${row.id}.callgrind`);
  const server = underCallgrind(out, SERVER, [row.id, String(port), String(warmup + counted)]);
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  await listening(port);
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  await send(port, warmup, row.delivery, agent);
  // valgrind runs the program in its own process: the pid is the server's.
  zeroCounts(server.pid);
  await send(port, counted, row.delivery, agent);
  agent.destroy();
  const code = await exited;
  if (code !== 0) throw new Error(`${row.id}: the server under callgrind exited with ${code}`);
  return countFile(out, counted);
}

/** The judged pairs (a row and the row its bound is against), or the rows --only names, in pairs. */
function pairs(): [HttpRow, HttpRow][] {
  const byId = (id: string) => {
    const row = HTTP_ROWS.find((r) => r.id === id);
    if (!row) throw new Error(`unknown HTTP row ${id}`);
    return row;
  };
  if (only.length > 0) {
    return Array.from({ length: Math.ceil(only.length / 2) }, (_, i) => [
      byId(only[2 * i]!),
      byId(only[2 * i + 1] ?? only[2 * i]!),
    ]);
  }
  return HTTP_ROWS.flatMap((row) =>
    (row.compare ?? [])
      .filter((compare) => compare.maxCost !== undefined || compare.minOtherCost !== undefined)
      .map((compare): [HttpRow, HttpRow] => [byId(compare.row), row]),
  );
}

const dir = mkdtempSync(join(tmpdir(), 'hookgate-ir-'));
const rows: { row: string; against: string; instructions: Count; reference: Count }[] = [];
try {
  log(`bench:instructions: ${warmup} requests to warm up, ${counted} counted, per server (two at a time)`);
  let port = 47_000 + (process.pid % 1000) * 2;
  for (const [reference, row] of pairs()) {
    port += 2;
    const [theirs, mine] = await Promise.all([measure(reference, port, dir), measure(row, port + 1, dir)]);
    rows.push({ row: row.id, against: reference.id, instructions: mine, reference: theirs });
    log(`  ${row.id}: ${Math.round(mine.total)} instructions/request, ${reference.id}: ${Math.round(theirs.total)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** A row's count as printed: steady (full GCs and compiling beside it), then the total. */
const shown = (count: Count) =>
  `${thousands(steady(count))} ${`(+${Math.round(count.gc / 1000)}k gc, +${Math.round(count.compiler / 1000)}k compile)`.padEnd(24)} ${thousands(count.total)}`;
const lines = [
  `HTTP server instructions per request (callgrind; ${counted} requests counted after ${warmup}; 1 KiB, fresh delivery ids)`,
  '  steady: without full garbage collections and the compilers, lumps that land in a short window or not, run to run',
  `${'row'.padEnd(22)}| ${'steady'.padStart(9)} ${''.padEnd(24)} ${'total'.padStart(9)} | ${'against'.padEnd(16)}| ${'steady'.padStart(9)} ${''.padEnd(24)} ${'total'.padStart(9)} | steady ratio | total ratio`,
  ...rows.map(
    (r) =>
      `${r.row.padEnd(22)}| ${shown(r.instructions)} | ${r.against.padEnd(16)}| ${shown(r.reference)} | ${(steady(r.instructions) / steady(r.reference)).toFixed(3).padStart(12)} | ${(r.instructions.total / r.reference.total).toFixed(3).padStart(11)}`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
const file = flag('out');
if (file) writeFileSync(file, `${JSON.stringify({ warmup, counted, node: process.version, rows }, null, 2)}\n`);
