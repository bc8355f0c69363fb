import { type DeliveryOutcome, isHookgateError, type LogQuery } from '@hookgate/core';
import { bodyText, entryJSON, entryLine, isoTime } from './format.js';
import { openLog } from './redis.js';
import { type CliIO, CommandError, integer, parse, timeOption, UsageError } from './usage.js';

const REDIS_OPTIONS = { redis: { type: 'string' }, prefix: { type: 'string' }, json: { type: 'boolean' } } as const;

export const LIST_OPTIONS = {
  ...REDIS_OPTIONS,
  outcome: { type: 'string' },
  scheme: { type: 'string' },
  type: { type: 'string' },
  id: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
} as const;

export async function logCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'list') return listCommand(rest, io);
  if (sub === 'show') return showCommand(rest, io);
  throw new UsageError(sub === undefined ? 'log needs list or show' : `unknown log command "${sub}": list or show`);
}

/** Log errors (a bad cursor, Redis failing) as one line. */
export async function readingLog<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isHookgateError(error)) throw new CommandError(error.message);
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CommandError(`the delivery log could not be read (${reason})`);
  }
}

async function listCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, LIST_OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const query: LogQuery = {
    outcome: values.outcome?.split(',').map((outcome) => outcome.trim() as DeliveryOutcome),
    scheme: values.scheme,
    type: values.type,
    id: values.id,
    since: timeOption(values.since, '--since'),
    until: timeOption(values.until, '--until'),
    limit: integer(values.limit, '--limit', 20),
    cursor: values.cursor,
  };
  const { log, close } = await openLog(values.redis, values.prefix, io.env);
  try {
    const page = await readingLog(async () => log.list(query));
    if (values.json) {
      io.stdout(`${JSON.stringify({ entries: page.entries.map(entryJSON), cursor: page.cursor ?? null })}\n`);
      return 0;
    }
    if (page.entries.length === 0) io.stdout('no deliveries match\n');
    for (const entry of page.entries) io.stdout(`${entryLine(entry)}\n`);
    if (page.cursor) io.stdout(`more: --cursor ${page.cursor}\n`);
    return 0;
  } finally {
    close();
  }
}

async function showCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, REDIS_OPTIONS);
  const key = positionals[0];
  if (key === undefined) throw new UsageError('log show needs an entry key (from log list)');
  const { log, close } = await openLog(values.redis, values.prefix, io.env);
  try {
    const entry = await readingLog(async () => log.get(key));
    if (entry === undefined) throw new CommandError(`no delivery ${key} in the log (unknown, or past retention)`);
    if (values.json) {
      io.stdout(`${JSON.stringify(entryJSON(entry), null, 2)}\n`);
      return 0;
    }
    const rows: [string, string | number | undefined][] = [
      ['key', entry.key],
      ['received', isoTime(entry.receivedAt)],
      ['scheme', entry.scheme],
      ['id', entry.id],
      ['type', entry.type],
      ['outcome', entry.outcome],
      ['status', entry.status],
      ['code', entry.code],
      ['verified', entry.verified ? 'yes' : 'no'],
      ['secret', entry.secretLabel],
      ['dedupe key', entry.dedupeKey],
      ['ordering', entry.orderingKey === undefined ? undefined : `${entry.orderingKey} #${entry.sequence}`],
      ['attempts', entry.attempts],
      [
        'duration',
        `${entry.durationMs.toFixed(1)} ms${entry.handlerMs === undefined ? '' : ` (handlers ${entry.handlerMs.toFixed(1)} ms)`}`,
      ],
      ['replay of', entry.replayOf],
    ];
    for (const [name, value] of rows) if (value !== undefined) io.stdout(`${name.padEnd(11)} ${value}\n`);
    const capture = entry.capture;
    if (!capture) {
      io.stdout('\n(metadata only: the receiver did not capture this delivery; see log.capture)\n');
      return 0;
    }
    io.stdout('\nheaders\n');
    for (const [name, value] of Object.entries(capture.headers)) io.stdout(`  ${name}: ${value}\n`);
    const body = bodyText(capture.body);
    const cut = capture.bodyBytes > capture.body.length ? `, cut at ${capture.body.length}` : '';
    io.stdout(`\nbody (${capture.bodyBytes} bytes${cut}${body.kind === 'binary' ? ', base64' : ''})\n${body.text}\n`);
    return 0;
  } finally {
    close();
  }
}
