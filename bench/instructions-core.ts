/**
 * The receiver's own instructions per delivery, in-process, counted by callgrind:
 * `receiver.handleInto` on 1 KiB Standard Webhooks deliveries (fresh ids, memory
 * dedupe, a no-op handler) against the HTTP section's hand-written floor
 * (`minimalReceiver`) on the same deliveries, with no HTTP around either. Each
 * variant runs in its own process under callgrind: it signs every delivery first,
 * handles `--warmup` of them, has its counts zeroed, then handles `--requests`
 * more, which are what is counted (steady and total, as `instructions.ts` splits
 * them). A run takes one to three minutes, not the HTTP pairs' six, and repeats
 * closely (the floor read 117,942 and 117,896 steady; hookgate 128,953 with a
 * lump in its window and 127,328 without): the instrument for an A/B of a change
 * to the core, on the lowest steady count of two runs. Over HTTP the adapter and
 * the framework add their own, so the judged ratios stay `pnpm bench` (CPU time)
 * and `pnpm bench:instructions` (HTTP).
 *
 *   pnpm bench:instructions:core                       # hookgate and the floor, side by side
 *   pnpm bench:instructions:core --warmup=15000 --requests=20000
 *
 * Needs valgrind (`apt-get install valgrind`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createReceiver, type ReceiverResponse, standardWebhooks } from '@hookgate/core';
import { type Count, countFile, requireValgrind, steady, thousands, underCallgrind, zeroCounts } from './callgrind.js';
import { EVENT_TYPE, SW_SECRET, signStandardWebhooks } from './fixtures.js';
import { BODY } from './http.js';
import { minimalReceiver, WEBHOOK_PATH } from './http-rows.js';

function flag(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length);
}

const VARIANTS = ['floor', 'hookgate'] as const;
type Variant = (typeof VARIANTS)[number];

const warmup = Number(flag('warmup') ?? 15_000);
const counted = Number(flag('requests') ?? 20_000);
const child = flag('child') as Variant | undefined;

/**
 * The headers node:http would hand a server for one delivery, in the order it builds them:
 * a plain record, lower-case names, one string each.
 */
function deliveryHeaders(n: number, timestamp: number): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  headers.host = '127.0.0.1:47000';
  headers.connection = 'keep-alive';
  Object.assign(headers, signStandardWebhooks(BODY, `bench-${process.pid}-${n}`, timestamp).headers);
  headers['content-length'] = String(BODY.length);
  return headers;
}

/** One variant's step: handles delivery `n`, throws unless it was processed. */
function stepFor(variant: Variant, deliveries: readonly IncomingHttpHeaders[]): (n: number) => void {
  if (variant === 'floor') {
    const receive = minimalReceiver();
    return (n) => {
      const answer = receive(deliveries[n]!, BODY);
      if (answer.status !== 200) throw new Error(`the floor answered ${answer.status}`);
    };
  }
  const receiver = createReceiver({ scheme: standardWebhooks({ secret: SW_SECRET }) }).on(EVENT_TYPE, () => {});
  let last: ReceiverResponse | undefined;
  const respond = (response: ReceiverResponse) => {
    last = response;
  };
  return (n) => {
    receiver.handleInto({ method: 'POST', url: WEBHOOK_PATH, headers: deliveries[n]!, body: BODY }, respond);
    if (last?.status !== 200) throw new Error(`hookgate answered ${last?.status}: ${last?.body}`);
  };
}

/** In the process callgrind runs: sign, warm up, zero the counts, run the counted deliveries. */
function runChild(variant: Variant): void {
  const timestamp = Math.floor(Date.now() / 1000);
  const deliveries = Array.from({ length: warmup + counted }, (_, n) => deliveryHeaders(n, timestamp));
  const step = stepFor(variant, deliveries);
  for (let n = 0; n < warmup; n++) step(n);
  // valgrind runs the program in its own process: this pid is the one callgrind counts.
  zeroCounts(process.pid);
  for (let n = warmup; n < warmup + counted; n++) step(n);
}

function measure(variant: Variant, dir: string): Promise<Count> {
  const out = join(dir, `${variant}.callgrind`);
  const script = fileURLToPath(import.meta.url);
  const args = [`--child=${variant}`, `--warmup=${warmup}`, `--requests=${counted}`];
  const run = underCallgrind(out, script, args, 'inherit');
  return new Promise((resolve, reject) => {
    run.on('error', reject);
    run.on('exit', (code) => {
      if (code !== 0) reject(new Error(`${variant}: the run under callgrind exited with ${code}`));
      else resolve(countFile(out, counted));
    });
  });
}

async function main(): Promise<void> {
  requireValgrind('bench:instructions:core');
  const dir = mkdtempSync(join(tmpdir(), 'hookgate-ir-core-'));
  let counts: Count[];
  try {
    counts = await Promise.all(VARIANTS.map((variant) => measure(variant, dir)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `receiver.handleInto in-process, instructions per delivery (callgrind; ${counted} counted after ${warmup}; 1 KiB Standard Webhooks, fresh ids)`,
    `${'variant'.padEnd(10)}| ${'steady'.padStart(9)} | ${'total'.padStart(9)} | steady over the floor`,
    ...VARIANTS.map((variant, i) => {
      const count = counts[i]!;
      const ratio = steady(count) / steady(counts[0]!);
      return `${variant.padEnd(10)}| ${thousands(steady(count))} | ${thousands(count.total)} | ${ratio.toFixed(3)}`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (child) runChild(child);
else await main();
