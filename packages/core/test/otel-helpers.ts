import { context, type HrTime, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  type DataPoint,
  type Histogram,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A reader collected on demand. */
class TestMetricReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/**
 * Providers with in-memory exporters, handed to receivers explicitly (no global
 * provider). The context manager is global by nature: installed once per file.
 */
export function otelHarness() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    exporter,
    tracerProvider,
    meterProvider,
    tracer: tracerProvider.getTracer('test'),
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    async metrics(): Promise<ResourceMetrics> {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new Error(`metric collection failed: ${errors.join(', ')}`);
      return resourceMetrics;
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Installs AsyncLocalStorage context propagation for this file; returns the uninstall. */
export function installContextManager(): () => void {
  const manager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(manager)) throw new Error('a context manager was already installed');
  return () => {
    context.disable();
    manager.disable();
  };
}

/** The points of one metric, or undefined when it was not recorded. */
export function metricPoints<T = number>(metrics: ResourceMetrics, name: string) {
  for (const scope of metrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name === name) {
        return { descriptor: metric.descriptor, points: metric.dataPoints as DataPoint<T>[] };
      }
    }
  }
  return undefined;
}

export type HistogramPoint = DataPoint<Histogram>;

const ms = (time: HrTime) => time[0] * 1e3 + time[1] / 1e6;

/**
 * The spans as an indented tree, parents first, with kind, status and attributes:
 * what a reader of the report (and the tests) can compare at a glance.
 */
export function spanTree(spans: readonly ReadableSpan[], options: { attributes?: boolean } = {}): string {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const children = new Map<string | undefined, ReadableSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    const list = children.get(key) ?? [];
    list.push(span);
    children.set(key, list);
  }
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => ms(a.startTime) - ms(b.startTime));
    for (const span of list) {
      const status = span.status.code === SpanStatusCode.ERROR ? ` ERROR(${span.status.message ?? ''})` : '';
      const attributes =
        options.attributes === false
          ? ''
          : ` ${Object.entries(span.attributes)
              .filter(([key]) => key.startsWith('hookgate.') || key === 'error.type' || key.startsWith('messaging.'))
              .map(([key, value]) => `${key}=${String(value)}`)
              .join(' ')}`;
      lines.push(`${'  '.repeat(depth)}${span.name} [${SpanKind[span.kind]}]${status}${attributes}`.trimEnd());
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

/** The one span with this name (fails loudly when there are none or several). */
export function onlySpan(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}`);
  return found[0] as ReadableSpan;
}
