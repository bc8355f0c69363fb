import type { LogEntry } from '@hookgate/core';
import { readingLog } from './log.js';
import { openLog } from './redis.js';
import { signatureHeaders, signHeaders } from './schemes.js';
import { post, SCHEME_OPTIONS, schemeSettings } from './send.js';
import { type CliIO, CommandError, parse, secretsOf, UsageError } from './usage.js';

export const REPLAY_OPTIONS = {
  ...SCHEME_OPTIONS,
  redis: { type: 'string' },
  prefix: { type: 'string' },
  to: { type: 'string' },
  resign: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

export interface Resign {
  settings: ReturnType<typeof schemeSettings>;
  secret: string;
}

export function resignOf(
  values: Parameters<typeof schemeSettings>[0] & { resign?: boolean | undefined; secret?: string[] | undefined },
  env: CliIO['env'],
): Resign | undefined {
  if (!values.resign) return undefined;
  const settings = schemeSettings(values);
  const [secret] = secretsOf(values.secret, env, true) as [string];
  return { settings, secret };
}

/**
 * Sends a captured delivery to a URL again: its exact bytes and captured headers,
 * signed afresh (a new timestamp, the same delivery id) when `resign` is given.
 * Signatures are never stored, so without it a verifying receiver answers 401.
 */
export async function resend(entry: LogEntry, url: string, resign: Resign | undefined) {
  const capture = entry.capture;
  if (!capture) throw new CommandError(`delivery ${entry.key} was logged without its body: it cannot be sent again`);
  if (capture.bodyBytes > capture.body.length) {
    throw new CommandError(`only ${capture.body.length} of ${capture.bodyBytes} bytes of ${entry.key} were captured`);
  }
  const headers: Record<string, string> = { ...capture.headers };
  if (resign) {
    for (const name of signatureHeaders(resign.settings)) delete headers[name.toLowerCase()];
    const type =
      headers['x-github-event'] ??
      headers['x-shopify-topic'] ??
      (resign.settings.typeHeader ? headers[resign.settings.typeHeader.toLowerCase()] : undefined);
    Object.assign(
      headers,
      signHeaders(resign.settings, {
        secret: resign.secret,
        body: capture.body,
        id: entry.id ?? entry.key,
        type,
        timestamp: Math.floor(Date.now() / 1000),
      }),
    );
  }
  return post(url, headers, capture.body);
}

export async function replayCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, REPLAY_OPTIONS);
  const key = positionals[0];
  if (key === undefined) throw new UsageError('replay needs an entry key (from hookgate log list)');
  if (values.to === undefined || !/^https?:\/\//.test(values.to))
    throw new UsageError('replay needs --to URL: where to send it');
  const resign = resignOf(values, io.env);
  const { log, close } = await openLog(values.redis, values.prefix, io.env);
  try {
    const entry = await readingLog(async () => log.get(key));
    if (entry === undefined) throw new CommandError(`no delivery ${key} in the log (unknown, or past retention)`);
    const answer = await resend(entry, values.to, resign);
    const ok = answer.status >= 200 && answer.status < 300;
    if (values.json) io.stdout(`${JSON.stringify({ key, ...answer, ok })}\n`);
    else {
      io.stdout(`${ok ? '✓' : '✗'} ${key} → ${answer.status} ${answer.outcome} (${Math.round(answer.ms)} ms)\n`);
      if (answer.status === 401 && !resign)
        io.stdout('  signatures are never stored: add --resign --scheme … --secret … to sign it afresh\n');
    }
    return ok ? 0 : 1;
  } finally {
    close();
  }
}
