import type * as Api from '@opentelemetry/api';

/**
 * W3C Trace Context (`traceparent`, `tracestate`) for an envelope's `trace`
 * record, written and read here rather than through the global propagator:
 * the envelope's format is fixed whatever propagator the app configured.
 */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The span context as a `traceparent`/`tracestate` record, or undefined when it is not valid. */
export function traceRecordOf(api: typeof Api, spanContext: Api.SpanContext): Record<string, string> | undefined {
  if (!api.isSpanContextValid(spanContext)) return undefined;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
  const record: Record<string, string> = { traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}` };
  const state = spanContext.traceState?.serialize();
  if (state) record.tracestate = state;
  return record;
}

/** The remote span context an envelope's `trace` record carries, or undefined when it carries none (or junk). */
export function spanContextOf(
  api: typeof Api,
  trace: Readonly<Record<string, string>> | undefined,
): Api.SpanContext | undefined {
  const match = typeof trace?.traceparent === 'string' ? TRACEPARENT.exec(trace.traceparent.trim()) : null;
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  const spanContext: Api.SpanContext = { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
  const state = trace?.tracestate;
  if (typeof state === 'string' && state !== '' && typeof api.createTraceState === 'function') {
    spanContext.traceState = api.createTraceState(state);
  }
  return api.isSpanContextValid(spanContext) ? spanContext : undefined;
}
