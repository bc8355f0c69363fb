/**
 * What observability costs `receiver.handle` (issue 14), three receivers on the
 * same signed Standard Webhooks deliveries, in the same run:
 *
 * - `off`: `openTelemetry: false` (no OpenTelemetry; the diagnostics channels are there, unsubscribed);
 * - `api`: the default where `@opentelemetry/api` is installed (it is, in this workspace) and no SDK is registered;
 * - `sdk`: an SDK passed in: every span to an in-memory exporter (SimpleSpanProcessor), metrics to a reader.
 *
 * The two figures differ by ~1%, far below what best-of-rounds resolves on a shared
 * machine, so they are measured paired: short slices of 256 deliveries, the three
 * receivers one after the other in a rotating order, CPU time per slice; the ratio
 * reported is the median of the per-slice ratios.
 *
 *   pnpm build && pnpm exec tsx bench/observability.ts [--quick]
 */
import { pathToFileURL } from 'node:url';
import {
  createReceiver,
  MemoryStore,
  type ObservabilityOptions,
  type Receiver,
  standardWebhooks,
} from '@hookgate/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { EVENT_TYPE, eventId, makePayload, nowSeconds, SW_SECRET, signStandardWebhooks } from './fixtures.js';

export interface ObservabilityBenchRow {
  size: string;
  receiver: 'off' | 'api' | 'sdk';
  /** Median CPU time per delivery over the slices, µs. */
  micros: number;
  /** Median of the per-slice ratios to `off`. */
  ratioToOff: number;
  slices: number;
}

/** Metrics kept in memory, read by nobody: the SDK's recording cost alone. */
class IdleMetricReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const SLICE = 256;
const POOL = 4096;
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

interface Contender {
  name: ObservabilityBenchRow['receiver'];
  receiver: Receiver;
  store: MemoryStore;
  /** Called when the pool wraps (the exporter's spans are dropped then). */
  onWrap: () => void;
  next: number;
}

function contender(name: Contender['name'], options: ObservabilityOptions, onWrap = () => {}): Contender {
  const store = new MemoryStore({ maxEntries: 2 * POOL });
  const receiver = createReceiver({
    scheme: standardWebhooks({ secret: SW_SECRET }),
    tolerance: 3600,
    dedupe: { store },
    ...options,
  }).on(EVENT_TYPE, () => {});
  return { name, receiver, store, onWrap, next: 0 };
}

export async function runObservabilityBench(options: {
  quick: boolean;
  bytes?: number;
  log?: (line: string) => void;
}): Promise<ObservabilityBenchRow[]> {
  const bytes = options.bytes ?? 256;
  const timestamp = nowSeconds();
  const body = makePayload(bytes, eventId(0));
  const pool = Array.from({ length: POOL }, (_, n) => ({
    method: 'POST',
    url: '/webhooks',
    ...signStandardWebhooks(body, `msg_${eventId(n)}`, timestamp),
  }));
  const exporter = new InMemorySpanExporter();
  const contenders = [
    contender('off', { openTelemetry: false }),
    contender('api', {}),
    contender(
      'sdk',
      {
        tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
        meterProvider: new MeterProvider({ readers: [new IdleMetricReader()] }),
      },
      () => exporter.reset(),
    ),
  ];
  const slice = async (one: Contender): Promise<number> => {
    const started = cpuMicros();
    for (let i = 0; i < SLICE; i++) {
      if (one.next === POOL) {
        one.next = 0;
        one.store.clear();
        one.onWrap();
      }
      const response = await one.receiver.handle(pool[one.next++]!);
      if (response.status !== 200) throw new Error(`${one.name}: answered ${response.status} ${response.body}`);
    }
    return (cpuMicros() - started) / SLICE;
  };
  const warmup = options.quick ? 4 : 40;
  for (let round = 0; round < warmup; round++) for (const one of contenders) await slice(one);

  const slices = options.quick ? 20 : 600;
  const times = new Map(contenders.map((one) => [one.name, [] as number[]]));
  const ratios = new Map(contenders.map((one) => [one.name, [] as number[]]));
  for (let round = 0; round < slices; round++) {
    const shift = round % contenders.length;
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    const measured = new Map<string, number>();
    for (const one of order) measured.set(one.name, await slice(one));
    const off = measured.get('off') ?? NaN;
    for (const one of contenders) {
      const micros = measured.get(one.name) ?? NaN;
      times.get(one.name)?.push(micros);
      ratios.get(one.name)?.push(micros / off);
    }
  }
  options.log?.(`  observability: ${slices} slices of ${SLICE} deliveries per receiver at ${bytes} B`);
  return contenders.map((one) => ({
    size: `${bytes} B`,
    receiver: one.name,
    micros: Number(median(times.get(one.name) ?? []).toFixed(3)),
    ratioToOff: Number(median(ratios.get(one.name) ?? []).toFixed(3)),
    slices,
  }));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.table(await runObservabilityBench({ quick: process.argv.includes('--quick'), log: console.error }));
}
