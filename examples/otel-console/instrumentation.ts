// Loaded before the app (`--import ./instrumentation.ts`): the README's setup, printing to the console.
import { register } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ConsoleMetricExporter, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

// An ES-module app: OpenTelemetry's loader hook lets the HTTP instrumentation see `import 'node:http'`.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

export const sdk = new NodeSDK({
  serviceName: 'hookgate-example',
  spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())],
  metricReader: new PeriodicExportingMetricReader({
    exporter: new ConsoleMetricExporter(),
    exportIntervalMillis: 60_000,
  }),
  instrumentations: [new HttpInstrumentation()],
});
sdk.start();
