/**
 * `pnpm bench` runs every section and prints one report: time per operation
 * with ratios to the node:crypto limit and to each peer, measured in this
 * same run, then checks the targets. `--quick` is a short run that
 * only proves the suite completes (CI); its figures are not for reading.
 *
 * Flags: --quick, --sections=verify,memory,http,stores,durable,observability, --only=<row id,...>, --clock=cpu|wall,
 * --out=<file>, and for the HTTP section --rounds=<n>, --duration=<seconds>, --cpu-prof=<dir> (profile each loaded
 * server), --together (load the selected rows at the same time each round: A/B runs on a noisy machine).
 * The `stores` section (RedisStore vs MemoryStore, ordering) and `durable` (BullMQ) need Redis.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DurableBenchRow, runDurableBench } from './durable.js';
import { SIZES } from './fixtures.js';
import { costRatio, costRatioQuartiles, type HttpMeasurement, runHttp, throughputRatio } from './http.js';
import { HTTP_ROWS } from './http-rows.js';
import { type MemoryMeasurement, runMemory } from './memory.js';
import { type ObservabilityBenchRow, runObservabilityBench } from './observability.js';
import { type OrderingBenchRow, runOrderingBench } from './ordering.js';
import { type RedisStoreBenchRow, runRedisStoreBench } from './redis-store.js';
import { formatReport, type Report, type TargetCheck } from './report.js';
import { runVerify, VERIFY_ROWS, type VerifyMeasurement } from './verify.js';

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}
const list = (value: string | undefined) => (value ? value.split(',').filter(Boolean) : []);

const quick = process.argv.includes('--quick');
const clock = flag('clock') === 'wall' ? 'wall' : 'cpu';
const sections = list(flag('sections'));
const only = list(flag('only'));
const wants = (section: string) => sections.length === 0 || sections.includes(section);
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
// Only a full run of every section replaces latest.json; quick and partial runs go to ignored files.
const partial = sections.length > 0 || only.length > 0;
const out = flag('out') ?? `${resultsDir}${quick ? 'quick.tmp.json' : partial ? 'partial.tmp.json' : 'latest.json'}`;
const log = (line: string) => process.stderr.write(`${line}\n`);

const settings = quick
  ? {
      verify: { timeMs: 15, warmupMs: 5, minIterations: 2, rounds: 1 },
      memoryIds: 100_000,
      http: { durationSec: 1, warmupSec: 0, connections: 10, rounds: 1, instances: 1 },
    }
  : {
      // Many short rounds, interleaved: on a shared machine every task sees the same load.
      verify: { timeMs: 60, warmupMs: 10, minIterations: 4, rounds: 12 },
      memoryIds: 1_000_000,
      // Many short slices rather than a few long ones: on a shared host the neighbours' load moves
      // within seconds, and two rows measured a second apart see nearly the same (bench/README.md).
      // Three processes per row, each measured in a block of 10 rounds: each process has a bias of its own (http.ts).
      http: { durationSec: 1, warmupSec: 3, connections: 10, rounds: 30, instances: 3 },
    };
if (flag('rounds')) settings.http.rounds = Number(flag('rounds'));
if (flag('duration')) settings.http.durationSec = Number(flag('duration'));
if (flag('instances')) settings.http.instances = Number(flag('instances'));

const started = new Date();
const loadAtStart = loadavg();
log(`hookgate bench (${quick ? 'quick: checks that it runs, figures are not meaningful' : 'full'})`);

let verify: VerifyMeasurement[] = [];
let memory: MemoryMeasurement | undefined;
let http: HttpMeasurement[] = [];
if (wants('verify')) verify = await runVerify({ ...settings.verify, clock, only, log });
if (wants('memory')) {
  log(`  memory: ${settings.memoryIds} ids in a child process`);
  memory = await runMemory(settings.memoryIds);
}
if (wants('http')) {
  const together = process.argv.includes('--together');
  http = await runHttp({ ...settings.http, only, together, cpuProfDir: flag('cpu-prof'), log });
}
let observability: ObservabilityBenchRow[] = [];
if (wants('observability')) {
  log('  observability: receiver.handle with OpenTelemetry off, the API without an SDK, and an SDK (paired slices)');
  observability = await runObservabilityBench({ quick, log });
}
let redisStore: RedisStoreBenchRow[] = [];
let ordering: OrderingBenchRow[] = [];
if (wants('stores')) {
  log('  stores: RedisStore vs MemoryStore through receiver.handle');
  redisStore = await runRedisStoreBench({ quick });
  log('  stores: ordering, in order and shuffled');
  ordering = await runOrderingBench({ quick });
}

let durable: DurableBenchRow[] = [];
if (wants('durable')) {
  log('  durable: accept path (enqueue, 202) vs inline over HTTP, then a worker');
  durable = await runDurableBench({ quick });
}

const ns = (row: string, size: string) => verify.find((m) => m.row === row && m.size === size)?.ns;
const targets: TargetCheck[] = [];
/** Ratios are judged as printed, to 2 decimals: finer differences are below what a run resolves. */
const asPrinted = (value: number) => Math.round(value * 100) / 100;
for (const size of SIZES) {
  for (const row of VERIFY_ROWS) {
    if (!row.target) continue;
    const value = ns(row.id, size.label);
    const reference = ns(row.target.of === 'accept' ? row.acceptOf! : row.baseline, size.label);
    if (value === undefined || reference === undefined) continue;
    const ratio = value / reference;
    targets.push({
      target: `${row.label} ≤ ${row.target.max.toFixed(2)}× ${row.target.of === 'accept' ? 'its acceptance' : row.baseline}`,
      size: size.label,
      value: ratio,
      max: row.target.max,
      met: asPrinted(ratio) <= row.target.max,
    });
  }
}
if (memory) {
  targets.push({
    target: `MemoryStore bytes per remembered id at ${memory.ids.toLocaleString('en-US')} ids < 200`,
    size: '-',
    value: memory.bytesPerId,
    max: 200,
    met: memory.bytesPerId < 200,
  });
}
for (const row of HTTP_ROWS) {
  const mine = http.find((m) => m.row === row.id);
  for (const compare of row.compare ?? []) {
    const theirs = http.find((m) => m.row === compare.row);
    if (!mine || !theirs) continue;
    const cost = costRatio(mine, theirs);
    const [low, high] = costRatioQuartiles(mine, theirs);
    const throughput = throughputRatio(mine, theirs);
    if (compare.maxCost !== undefined) {
      targets.push({
        target: `${row.id} CPU/req ≤ ${compare.maxCost.toFixed(2)}× ${compare.row}`,
        size: '1 KiB',
        value: cost,
        max: compare.maxCost,
        met: asPrinted(cost) <= compare.maxCost,
        note: `rounds' quartiles ${low.toFixed(2)}-${high.toFixed(2)}; ${compare.row} uses ${(1 / cost).toFixed(2)}× this CPU per request; req/s ${throughput.toFixed(2)}×`,
      });
    }
    if (compare.minOtherCost !== undefined) {
      // Judged in the target's own terms: a bound of 1/1.15 on this row's ratio is not on the 2-decimal
      // grid, so rounding that ratio first would ask for 1.16× (0.866 prints 0.87 > 0.8696).
      const otherCost = 1 / cost;
      targets.push({
        target: `${compare.row} CPU/req ≥ ${compare.minOtherCost.toFixed(2)}× ${row.id}`,
        size: '1 KiB',
        value: otherCost,
        min: compare.minOtherCost,
        met: asPrinted(otherCost) >= compare.minOtherCost,
        note: `rounds' quartiles ${(1 / high).toFixed(2)}-${(1 / low).toFixed(2)}; ${row.id} uses ${cost.toFixed(2)}× ${compare.row}'s CPU per request; req/s ${throughput.toFixed(2)}×`,
      });
    }
    if (compare.min !== undefined) {
      targets.push({
        target: `${row.id} req/s ≥ ${compare.min.toFixed(2)}× ${compare.row}`,
        size: '1 KiB',
        value: throughput,
        min: compare.min,
        met: asPrinted(throughput) >= compare.min,
        note: `by server CPU per request: ${(1 / cost).toFixed(2)}`,
      });
    }
  }
}

const durableAccept = durable.find((row) => row.path.startsWith('durable accept'));
if (durableAccept && typeof durableAccept['vs inline CPU'] === 'number') {
  targets.push({
    target: 'durable accept (verify, claim, enqueue, 202) server CPU/request ≤ 1.50× inline (no-op handler)',
    size: '~0.7 KiB',
    value: durableAccept['vs inline CPU'],
    max: 1.5,
    met: asPrinted(durableAccept['vs inline CPU']) <= 1.5,
  });
}
const withApi = observability.find((row) => row.receiver === 'api');
if (withApi) {
  targets.push({
    target: 'receiver.handle with the OpenTelemetry API and no SDK ≤ 1.03× with it off (median of paired slices)',
    size: withApi.size,
    value: withApi.ratioToOff,
    max: 1.03,
    met: asPrinted(withApi.ratioToOff) <= 1.03,
  });
}

const report: Report = {
  mode: quick ? 'quick' : 'full',
  startedAt: started.toISOString(),
  finishedAt: new Date().toISOString(),
  machine: {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    loadAverageAtStart: loadAtStart,
    loadAverageAtEnd: loadavg(),
  },
  settings: { ...settings, clock },
  verify,
  memory,
  http,
  targets,
};

process.stdout.write(formatReport(report));
if (observability.length > 0) {
  process.stdout.write(
    '\nOBSERVABILITY: receiver.handle, CPU µs per delivery (median of paired slices) and ratio to OpenTelemetry off\n',
  );
  console.table(observability);
}
if (redisStore.length > 0) {
  process.stdout.write('\nSTORES: RedisStore vs MemoryStore through receiver.handle (fresh ids, no-op handler)\n');
  console.table(redisStore);
}
if (ordering.length > 0) {
  process.stdout.write('\nORDERING: added latency in order, and time to drain a shuffled burst\n');
  console.table(ordering);
}
if (durable.length > 0) {
  process.stdout.write(
    '\nDURABLE: accept path vs inline over HTTP (RedisStore both), and a worker draining the queue\n',
  );
  console.table(durable);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify({ ...report, redisStore, ordering, durable, observability }, null, 2)}\n`);
log(`written ${out}`);
