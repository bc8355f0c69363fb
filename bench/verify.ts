/**
 * Verification section: the node:crypto limit, hookgate's schemes and
 * receiver.handle, and the peers, on the same payloads, in the same run.
 */
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import {
  createReceiver,
  github,
  MemoryStore,
  type Receiver,
  type ReceiverRequest,
  type Scheme,
  type SchemeRequest,
  standardWebhooks,
  stripe,
} from '@hookgate/core';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { Webhook as SvixWebhook } from 'svix';
import { Bench } from 'tinybench';
import {
  EVENT_TYPE,
  eventId,
  GITHUB_SECRET,
  GITHUB_TYPE,
  hmacSha256,
  makePayload,
  nowSeconds,
  type PayloadSize,
  SIZES,
  type SignedDelivery,
  STRIPE_SECRET,
  SW_SECRET,
  signGitHub,
  signStandardWebhooks,
  signStripe,
} from './fixtures.js';

export type Baseline = 'limit' | 'limit-parse';

/** One line of the verification table. */
export interface VerifyRow {
  id: string;
  label: string;
  /** Which floor this row is compared with. */
  baseline: Baseline;
  /** The hookgate row doing the same work, for a peer's row. */
  counterpart?: string;
  /** For a rejection row: the acceptance row it must not be slower than. */
  acceptOf?: string;
  /** What the row is held to (shown in the table). */
  target?: { of: 'baseline' | 'accept'; max: number };
}

export const VERIFY_ROWS: readonly VerifyRow[] = [
  { id: 'limit', label: 'limit: HMAC-SHA256 + timingSafeEqual', baseline: 'limit' },
  { id: 'limit-parse', label: 'limit + JSON.parse', baseline: 'limit' },
  {
    id: 'hg-sw',
    label: 'hookgate standardWebhooks verify',
    baseline: 'limit',
    target: { of: 'baseline', max: 1.1 },
  },
  { id: 'hg-stripe', label: 'hookgate stripe verify', baseline: 'limit', target: { of: 'baseline', max: 1.1 } },
  { id: 'hg-github', label: 'hookgate github verify', baseline: 'limit', target: { of: 'baseline', max: 1.1 } },
  { id: 'hg-sw-parse', label: 'hookgate standardWebhooks verify + JSON.parse', baseline: 'limit-parse' },
  { id: 'hg-stripe-parse', label: 'hookgate stripe verify + JSON.parse', baseline: 'limit-parse' },
  {
    id: 'hg-handle-sw',
    label: 'hookgate receiver.handle standardWebhooks',
    baseline: 'limit-parse',
    target: { of: 'baseline', max: 1.25 },
  },
  {
    id: 'hg-handle-stripe',
    label: 'hookgate receiver.handle stripe',
    baseline: 'limit-parse',
    target: { of: 'baseline', max: 1.25 },
  },
  {
    id: 'hg-handle-github',
    label: 'hookgate receiver.handle github',
    baseline: 'limit-parse',
    target: { of: 'baseline', max: 1.25 },
  },
  { id: 'peer-sw', label: 'standardwebhooks verify (parses)', baseline: 'limit-parse', counterpart: 'hg-sw-parse' },
  { id: 'peer-svix', label: 'svix@1 verify (parses)', baseline: 'limit-parse', counterpart: 'hg-sw-parse' },
  {
    id: 'peer-stripe',
    label: 'stripe webhooks.constructEvent (parses)',
    baseline: 'limit-parse',
    counterpart: 'hg-stripe-parse',
  },
  { id: 'peer-octokit', label: '@octokit/webhooks-methods verify', baseline: 'limit', counterpart: 'hg-github' },
  // A flood of forged signatures must not cost more than real traffic.
  {
    id: 'hg-sw-reject',
    label: 'REJECT hookgate standardWebhooks verify',
    baseline: 'limit',
    acceptOf: 'hg-sw',
    target: { of: 'accept', max: 1 },
  },
  {
    id: 'hg-stripe-reject',
    label: 'REJECT hookgate stripe verify',
    baseline: 'limit',
    acceptOf: 'hg-stripe',
    target: { of: 'accept', max: 1 },
  },
  {
    id: 'hg-github-reject',
    label: 'REJECT hookgate github verify',
    baseline: 'limit',
    acceptOf: 'hg-github',
    target: { of: 'accept', max: 1 },
  },
  {
    id: 'hg-handle-sw-reject',
    label: 'REJECT hookgate receiver.handle standardWebhooks',
    baseline: 'limit',
    acceptOf: 'hg-handle-sw',
    target: { of: 'accept', max: 1 },
  },
  {
    id: 'peer-sw-reject',
    label: 'REJECT standardwebhooks verify',
    baseline: 'limit',
    acceptOf: 'peer-sw',
    counterpart: 'hg-sw-reject',
  },
  {
    id: 'peer-svix-reject',
    label: 'REJECT svix@1 verify',
    baseline: 'limit',
    acceptOf: 'peer-svix',
    counterpart: 'hg-sw-reject',
  },
  {
    id: 'peer-stripe-reject',
    label: 'REJECT stripe constructEvent',
    baseline: 'limit',
    acceptOf: 'peer-stripe',
    counterpart: 'hg-stripe-reject',
  },
  {
    id: 'peer-octokit-reject',
    label: 'REJECT @octokit/webhooks-methods verify',
    baseline: 'limit',
    acceptOf: 'peer-octokit',
    counterpart: 'hg-github-reject',
  },
];

export interface VerifyOptions {
  /** Milliseconds each task runs per round. */
  timeMs: number;
  warmupMs: number;
  /** Minimum iterations per task per round (each iteration is one batch). */
  minIterations: number;
  /** Rounds per size; tasks are interleaved across rounds and the best round counts. */
  rounds: number;
  /** `cpu`: process CPU time (default; steady on a shared machine); `wall`: elapsed time. */
  clock: 'cpu' | 'wall';
  /** Only these row ids (all when empty). */
  only: readonly string[];
  log: (line: string) => void;
}

export interface VerifyMeasurement {
  row: string;
  size: string;
  bytes: number;
  /** Best (lowest) mean time per operation over the rounds, nanoseconds. */
  ns: number;
  /** Every round's mean, nanoseconds. */
  roundsNs: number[];
  /** Relative margin of error of the best round, percent. */
  rme: number;
  operations: number;
}

interface BenchTask {
  row: string;
  fn: () => unknown;
}

/** Keeps results alive so the engine cannot drop the work. */
let sink: unknown;

function sync(op: () => unknown, batch: number): () => void {
  return () => {
    for (let i = 0; i < batch; i++) sink = op();
  };
}

function async(op: () => Promise<unknown>, batch: number): () => Promise<void> {
  return async () => {
    for (let i = 0; i < batch; i++) sink = await op();
  };
}

function schemeRequest(delivery: SignedDelivery): SchemeRequest {
  return { method: 'POST', url: '/webhooks', headers: delivery.headers, body: delivery.body };
}

function mustThrow(op: () => unknown, what: string): () => unknown {
  return () => {
    try {
      op();
    } catch (error) {
      return error;
    }
    throw new Error(`${what} accepted a forged signature`);
  };
}

/**
 * Distinct deliveries for receiver.handle, so dedupe claims and completes a
 * fresh id every call. When the pool wraps, the store is cleared so its ids
 * are fresh again; the store is sized to twice the pool so that clearing
 * (proportional to its capacity) stays well under 1% of the calls it serves.
 */
function handleTask(
  receiver: Receiver,
  store: MemoryStore,
  pool: readonly ReceiverRequest[],
  batch: number,
): () => Promise<void> {
  let next = 0;
  const processed = '{"status":"processed"}';
  return async () => {
    for (let i = 0; i < batch; i++) {
      if (next === pool.length) {
        next = 0;
        store.clear();
      }
      const response = await receiver.handle(pool[next++]!);
      if (response.body !== processed) throw new Error(`receiver.handle answered ${response.status} ${response.body}`);
    }
  };
}

function poolSize(bytes: number): number {
  return Math.max(8, Math.min(4096, Math.floor((16 * 1024 * 1024) / bytes)));
}

/** Operations per sample: enough that a sample takes ~100 µs or more, so reading the clock costs under 1%. */
function batchFor(bytes: number): number {
  return bytes <= 256 ? 128 : bytes <= 4096 ? 32 : bytes <= 65536 ? 2 : 1;
}

/**
 * This process's CPU time (user + system), in microseconds. On a shared machine
 * wall time counts the time spent waiting for a core; CPU time does not, and it
 * is what a receiver pays per request.
 */
const CPU_CLOCK = {
  name: 'process.cpuUsage',
  fn: () => {
    const usage = process.cpuUsage();
    return usage.user + usage.system;
  },
  toMs: (value: number | bigint) => Number(value) / 1000,
  fromMs: (ms: number) => ms * 1000,
};

function newReceiver(scheme: Scheme, store: MemoryStore, type: string): Receiver {
  return createReceiver({
    scheme,
    // The pool is signed once per size; the window must hold for the whole group.
    tolerance: 3600,
    maxBodyBytes: 2 * 1024 * 1024,
    dedupe: { store },
  }).on(type, () => {});
}

/** The tasks for one payload size; everything is signed now, so timestamps are fresh. */
function tasksFor(size: PayloadSize): BenchTask[] {
  const batch = batchFor(size.bytes);
  const body = makePayload(size.bytes, eventId(0));
  const text = body.toString('utf8');
  const timestamp = nowSeconds();
  const tasks: BenchTask[] = [];

  // The limit: one HMAC over the raw Buffer, one constant-time compare.
  // A prepared KeyObject is the fastest key form node:crypto takes.
  const limitKey = createSecretKey(Buffer.from(GITHUB_SECRET));
  const expected = hmacSha256(GITHUB_SECRET, [body]);
  const limit = () => {
    const digest = createHmac('sha256', limitKey).update(body).digest();
    if (!timingSafeEqual(digest, expected)) throw new Error('limit: no match');
    return digest;
  };
  tasks.push({ row: 'limit', fn: sync(limit, batch) });
  tasks.push({
    row: 'limit-parse',
    fn: sync(() => {
      limit();
      return JSON.parse(body.toString('utf8'));
    }, batch),
  });

  // hookgate's schemes, called directly on a prepared SchemeRequest.
  const sw = standardWebhooks({ secret: SW_SECRET });
  const st = stripe({ secret: STRIPE_SECRET });
  const gh = github({ secret: GITHUB_SECRET });
  const swDelivery = signStandardWebhooks(body, 'msg_bench_0001', timestamp);
  const stDelivery = signStripe(body, timestamp);
  const ghDelivery = signGitHub(body, 'delivery-0001');
  const swRequest = schemeRequest(swDelivery);
  const stRequest = schemeRequest(stDelivery);
  const ghRequest = schemeRequest(ghDelivery);
  tasks.push({ row: 'hg-sw', fn: sync(() => sw.verify(swRequest), batch) });
  tasks.push({ row: 'hg-stripe', fn: sync(() => st.verify(stRequest), batch) });
  tasks.push({ row: 'hg-github', fn: sync(() => gh.verify(ghRequest), batch) });
  tasks.push({
    row: 'hg-sw-parse',
    fn: sync(() => {
      sw.verify(swRequest);
      return JSON.parse(swRequest.body.toString('utf8'));
    }, batch),
  });
  tasks.push({
    row: 'hg-stripe-parse',
    fn: sync(() => {
      st.verify(stRequest);
      return JSON.parse(stRequest.body.toString('utf8'));
    }, batch),
  });

  // receiver.handle end to end, fresh ids every call.
  const count = poolSize(size.bytes);
  const storeOptions = { maxEntries: 2 * count };
  const swStore = new MemoryStore(storeOptions);
  const swPool = Array.from({ length: count }, (_, n) => ({
    method: 'POST',
    url: '/webhooks',
    ...signStandardWebhooks(body, `msg_${eventId(n)}`, timestamp),
  }));
  tasks.push({ row: 'hg-handle-sw', fn: handleTask(newReceiver(sw, swStore, EVENT_TYPE), swStore, swPool, batch) });
  const stStore = new MemoryStore(storeOptions);
  const stPool = Array.from({ length: count }, (_, n) => ({
    method: 'POST',
    url: '/webhooks',
    ...signStripe(makePayload(size.bytes, eventId(n)), timestamp),
  }));
  tasks.push({
    row: 'hg-handle-stripe',
    fn: handleTask(newReceiver(st, stStore, EVENT_TYPE), stStore, stPool, batch),
  });
  const ghStore = new MemoryStore(storeOptions);
  const ghPool = Array.from({ length: count }, (_, n) => ({
    method: 'POST',
    url: '/webhooks',
    ...signGitHub(body, `delivery-${eventId(n)}`),
  }));
  tasks.push({
    row: 'hg-handle-github',
    fn: handleTask(newReceiver(gh, ghStore, GITHUB_TYPE), ghStore, ghPool, batch),
  });

  // The peers, each given the input form it is fastest with.
  const peerSw = new StandardWebhook(SW_SECRET);
  const peerSvix = new SvixWebhook(SW_SECRET);
  const svixHeaders = {
    'svix-id': swDelivery.headers['webhook-id']!,
    'svix-timestamp': swDelivery.headers['webhook-timestamp']!,
    'svix-signature': swDelivery.headers['webhook-signature']!,
  };
  const stripeHeader = stDelivery.headers['stripe-signature']!;
  const ghSignature = ghDelivery.headers['x-hub-signature-256']!;
  tasks.push({ row: 'peer-sw', fn: sync(() => peerSw.verify(body, swDelivery.headers), batch) });
  tasks.push({ row: 'peer-svix', fn: sync(() => peerSvix.verify(body, svixHeaders), batch) });
  tasks.push({
    row: 'peer-stripe',
    fn: sync(() => Stripe.webhooks.constructEvent(body, stripeHeader, STRIPE_SECRET, 3600), batch),
  });
  // octokit takes the payload as a string only: it gets one decoded up front.
  tasks.push({
    row: 'peer-octokit',
    fn: async(async () => {
      if (!(await octokitVerify(GITHUB_SECRET, text, ghSignature))) throw new Error('octokit: no match');
      return true;
    }, batch),
  });

  // Rejections: the same deliveries with a signature that matches nothing.
  const swForged = signStandardWebhooks(body, 'msg_bench_0001', timestamp, true);
  const stForged = signStripe(body, timestamp, true);
  const ghForged = signGitHub(body, 'delivery-0001', true);
  const swForgedRequest = schemeRequest(swForged);
  const stForgedRequest = schemeRequest(stForged);
  const ghForgedRequest = schemeRequest(ghForged);
  tasks.push({
    row: 'hg-sw-reject',
    fn: sync(
      mustThrow(() => sw.verify(swForgedRequest), 'hookgate'),
      batch,
    ),
  });
  tasks.push({
    row: 'hg-stripe-reject',
    fn: sync(
      mustThrow(() => st.verify(stForgedRequest), 'hookgate'),
      batch,
    ),
  });
  tasks.push({
    row: 'hg-github-reject',
    fn: sync(
      mustThrow(() => gh.verify(ghForgedRequest), 'hookgate'),
      batch,
    ),
  });
  const rejectStore = new MemoryStore();
  const rejectReceiver = newReceiver(sw, rejectStore, EVENT_TYPE);
  const forgedRequest: ReceiverRequest = { method: 'POST', url: '/webhooks', ...swForged };
  tasks.push({
    row: 'hg-handle-sw-reject',
    fn: async(async () => {
      const response = await rejectReceiver.handle(forgedRequest);
      if (response.status !== 401) throw new Error(`forged delivery answered ${response.status}`);
      return response;
    }, batch),
  });
  const svixForged = { ...svixHeaders, 'svix-signature': swForged.headers['webhook-signature']! };
  const stripeForged = stForged.headers['stripe-signature']!;
  const ghForgedSignature = ghForged.headers['x-hub-signature-256']!;
  tasks.push({
    row: 'peer-sw-reject',
    fn: sync(
      mustThrow(() => peerSw.verify(body, swForged.headers), 'standardwebhooks'),
      batch,
    ),
  });
  tasks.push({
    row: 'peer-svix-reject',
    fn: sync(
      mustThrow(() => peerSvix.verify(body, svixForged), 'svix'),
      batch,
    ),
  });
  tasks.push({
    row: 'peer-stripe-reject',
    fn: sync(
      mustThrow(() => Stripe.webhooks.constructEvent(body, stripeForged, STRIPE_SECRET, 3600), 'stripe'),
      batch,
    ),
  });
  tasks.push({
    row: 'peer-octokit-reject',
    fn: async(async () => {
      if (await octokitVerify(GITHUB_SECRET, text, ghForgedSignature)) throw new Error('octokit accepted a forgery');
      return false;
    }, batch),
  });

  return tasks;
}

export async function runVerify(options: VerifyOptions): Promise<VerifyMeasurement[]> {
  const measurements: VerifyMeasurement[] = [];
  for (const size of SIZES) {
    const batch = batchFor(size.bytes);
    const tasks = tasksFor(size).filter((task) => options.only.length === 0 || options.only.includes(task.row));
    const rounds = new Map<string, { ns: number; rme: number; operations: number }[]>();
    for (let round = 0; round < options.rounds; round++) {
      const bench = new Bench({
        time: options.timeMs,
        warmupTime: options.warmupMs,
        iterations: options.minIterations,
        warmupIterations: 2,
        throws: true,
        ...(options.clock === 'cpu' ? { timestampProvider: CPU_CLOCK } : {}),
      });
      // Rotate the order each round so no task always runs right after the same neighbour.
      const shift = (round * 7) % tasks.length;
      for (const task of [...tasks.slice(shift), ...tasks.slice(0, shift)]) bench.add(task.row, task.fn);
      await bench.run();
      for (const task of bench.tasks) {
        const result = task.result;
        if (result.state !== 'completed') {
          throw new Error(
            `${size.label} ${task.name}: ${result.state === 'errored' ? result.error.message : result.state}`,
          );
        }
        const list = rounds.get(task.name) ?? [];
        list.push({
          ns: (result.latency.mean * 1e6) / batch,
          rme: result.latency.rme,
          operations: task.runs * batch,
        });
        rounds.set(task.name, list);
      }
      options.log(`  verify ${size.label}: round ${round + 1}/${options.rounds} done`);
    }
    for (const row of VERIFY_ROWS) {
      const list = rounds.get(row.id);
      if (!list) continue;
      const best = list.reduce((a, b) => (b.ns < a.ns ? b : a));
      measurements.push({
        row: row.id,
        size: size.label,
        bytes: size.bytes,
        ns: best.ns,
        roundsNs: list.map((r) => r.ns),
        rme: best.rme,
        operations: list.reduce((sum, r) => sum + r.operations, 0),
      });
    }
  }
  if (sink === Symbol.for('never')) console.log('unreachable');
  return measurements;
}
