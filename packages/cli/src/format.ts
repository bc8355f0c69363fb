import type { LogEntry } from '@hookgate/core';

export function isoTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** One line of `log list`. */
export function entryLine(entry: LogEntry): string {
  return [
    entry.key,
    isoTime(entry.receivedAt),
    entry.scheme.padEnd(17),
    (entry.type ?? '-').padEnd(22),
    String(entry.status),
    (entry.code ?? entry.outcome).padEnd(24),
    (entry.attempts === undefined ? '-' : `x${entry.attempts}`).padEnd(4),
    `${entry.durationMs.toFixed(1)} ms`.padStart(9),
    entry.captured ? 'captured' : '',
  ]
    .join('  ')
    .trimEnd();
}

/** The body as text: pretty JSON, the text itself, or base64 when it is not text. */
export function bodyText(body: Buffer): { kind: 'json' | 'text' | 'binary'; text: string } {
  const text = body.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(body)) return { kind: 'binary', text: body.toString('base64') };
  try {
    return { kind: 'json', text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch {
    return { kind: 'text', text };
  }
}

/** An entry as plain JSON for --json and the inspector: the body as text (or base64), never a secret. */
export function entryJSON(entry: LogEntry) {
  const { capture, ...meta } = entry;
  return {
    ...meta,
    capture: capture && {
      headers: capture.headers,
      bodyBytes: capture.bodyBytes,
      truncated: capture.bodyBytes > capture.body.length,
      replayable: capture.envelope !== undefined && capture.bodyBytes === capture.body.length,
      body: bodyText(capture.body),
    },
  };
}
