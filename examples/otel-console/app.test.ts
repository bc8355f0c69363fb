import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

interface PrintedSpan {
  name: string;
  id: string;
  kind: number;
  parent: string | undefined;
  text: string;
}

/** The spans ConsoleSpanExporter printed (util.inspect of each span, one object per block). */
function printedSpans(stdout: string): PrintedSpan[] {
  const spans: PrintedSpan[] = [];
  for (const block of stdout.split(/^\{$/m)) {
    const span = /^ {2}name: '([^']+)',\n {2}id: '([0-9a-f]{16})',\n {2}kind: (\d)/m.exec(block);
    if (!span) continue;
    const parent = /parentSpanContext: \{[^}]*?spanId: '([0-9a-f]{16})'/s.exec(block);
    spans.push({ name: span[1] ?? '', id: span[2] ?? '', kind: Number(span[3]), parent: parent?.[1], text: block });
  }
  return spans;
}

it('otel-console: the SDK setup prints hookgate’s span under the SERVER span, the handler’s under it, and the metrics', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--conditions=@hookgate/source', '--import', './instrumentation.ts', 'app.ts'],
    { cwd: here, timeout: 60_000 },
  );
  expect(stdout).toContain('POST /webhooks → 200');
  expect(stdout).toContain('POST /webhooks → 401');
  const spans = printedSpans(stdout);
  const servers = spans.filter((span) => span.kind === 1 && span.name === 'POST');
  const hookgate = spans.filter((span) => span.name === 'webhook standard-webhooks');
  expect(servers).toHaveLength(2);
  expect(hookgate).toHaveLength(2);
  for (const span of hookgate) {
    expect(span.kind).toBe(0);
    expect(servers.map((server) => server.id)).toContain(span.parent);
  }
  const [processed, rejected] = [
    hookgate.find((span) => span.text.includes("'hookgate.outcome': 'processed'")),
    hookgate.find((span) => span.text.includes("'hookgate.outcome': 'rejected'")),
  ];
  expect(rejected?.text).toContain("'error.type': 'invalid_signature'");
  const handler = spans.find((span) => span.name === 'record payment');
  expect(handler?.parent).toBe(processed?.id);
  for (const name of ['hookgate.deliveries', 'hookgate.delivery.duration', 'hookgate.handler.duration']) {
    expect(stdout).toContain(`name: '${name}'`);
  }
});
