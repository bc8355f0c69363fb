import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  idInHeader,
  type SchemeName,
  type SchemeSettings,
  schemeName,
  signHeaders,
  signsTimestamp,
} from './schemes.js';
import { type CliIO, CommandError, integer, parse, secretsOf, UsageError } from './usage.js';

/** The options every signing command shares. */
export const SCHEME_OPTIONS = {
  scheme: { type: 'string' },
  secret: { type: 'string', multiple: true },
  header: { type: 'string' },
  algorithm: { type: 'string' },
  encoding: { type: 'string' },
  prefix: { type: 'string' },
  'signed-content': { type: 'string' },
  'timestamp-header': { type: 'string' },
  'id-header': { type: 'string' },
  'type-header': { type: 'string' },
} as const;

type SchemeValues = {
  [K in keyof typeof SCHEME_OPTIONS]?: (typeof SCHEME_OPTIONS)[K] extends { multiple: true } ? string[] : string;
};

export function schemeSettings(values: SchemeValues): SchemeSettings {
  const algorithm = values.algorithm;
  if (algorithm !== undefined && !['sha1', 'sha256', 'sha384', 'sha512'].includes(algorithm)) {
    throw new UsageError('--algorithm must be sha1, sha256, sha384 or sha512');
  }
  const encoding = values.encoding;
  if (encoding !== undefined && !['hex', 'base64', 'base64url'].includes(encoding)) {
    throw new UsageError('--encoding must be hex, base64 or base64url');
  }
  return {
    scheme: schemeName(values.scheme),
    header: values.header,
    algorithm: algorithm as SchemeSettings['algorithm'],
    encoding: encoding as SchemeSettings['encoding'],
    prefix: values.prefix,
    signedContent: values['signed-content'],
    timestampHeader: values['timestamp-header'],
    idHeader: values['id-header'],
    typeHeader: values['type-header'],
  };
}

/** The body: --data, --file, or standard input. */
export async function readBody(values: { file?: string; data?: string }, io: CliIO): Promise<Buffer> {
  if (values.data !== undefined && values.file !== undefined) throw new UsageError('give --data or --file, not both');
  if (values.data !== undefined) return Buffer.from(values.data, 'utf8');
  if (values.file !== undefined && values.file !== '-') {
    try {
      return await readFile(values.file);
    } catch (error) {
      throw new UsageError(`cannot read ${values.file} (${(error as { code?: string }).code ?? 'error'})`);
    }
  }
  if (io.stdinIsTTY && values.file !== '-') {
    throw new UsageError('no body: pass --file event.json, --data \'{"…"}\', or pipe it in');
  }
  return io.readStdin();
}

const freshId = (scheme: SchemeName) =>
  scheme === 'standard-webhooks' || scheme === 'svix' ? `msg_${randomUUID()}` : randomUUID();

/** The field a scheme reads its delivery id from, when it is in the body. */
const BODY_ID_FIELD: Partial<Record<SchemeName, string>> = { stripe: 'id', slack: 'event_id' };

interface Planned {
  /** 1-based, in the order planned (before --shuffle). */
  n: number;
  body: Buffer;
  id: string;
}

/**
 * The deliveries to send: one per body (a JSON array is a sequence of events),
 * times --count, each with an id of its own. A scheme that reads its id from the
 * body (Stripe, Slack) gets that field rewritten when --count makes copies.
 */
function plan(
  body: Buffer,
  settings: SchemeSettings,
  values: { count?: string; id?: string; raw?: boolean },
): Planned[] {
  let bodies: Buffer[] = [body];
  let parsed: unknown;
  if (!values.raw) {
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed)) {
      if (parsed.length === 0) throw new UsageError('the JSON array of events is empty');
      bodies = parsed.map((event) => Buffer.from(JSON.stringify(event)));
    }
  }
  const count = integer(values.count, '--count', 1);
  const idField = BODY_ID_FIELD[settings.scheme];
  const planned: Planned[] = [];
  for (let round = 0; round < count; round++) {
    for (const original of bodies) {
      const n = planned.length + 1;
      let id =
        values.id !== undefined
          ? count * bodies.length > 1
            ? `${values.id}-${n}`
            : values.id
          : freshId(settings.scheme);
      let copy = original;
      if (idField && count > 1) {
        const event = JSON.parse(original.toString('utf8')) as unknown;
        if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
          const record = event as Record<string, unknown>;
          id = `${typeof record[idField] === 'string' ? record[idField] : 'evt'}_${n}`;
          copy = Buffer.from(JSON.stringify({ ...record, [idField]: id }));
        }
      } else if (idField) {
        const event = parsed !== undefined && !Array.isArray(parsed) ? parsed : safeJson(original);
        const found = (event as Record<string, unknown> | undefined)?.[idField];
        if (typeof found === 'string') id = found;
      }
      planned.push({ n, body: copy, id });
    }
  }
  return planned;
}

function safeJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

export interface SendResult {
  n: number;
  copy: number;
  id: string;
  status: number;
  outcome: string;
  ms: number;
  expected: boolean;
}

/** Runs `task` over `items`, at most `limit` at a time, in order of start. */
export async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** POSTs one delivery; the outcome from hookgate's answer (`status`, or the error's `code`). */
export async function post(url: string, headers: Record<string, string>, body: Buffer) {
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers, body });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new CommandError(`cannot reach ${url} (${cause?.code ?? (error as Error).message})`);
  }
  const text = await response.text();
  const ms = performance.now() - started;
  let outcome = '';
  try {
    const json = JSON.parse(text) as { status?: unknown; error?: { code?: unknown } };
    outcome = String(json.status ?? json.error?.code ?? '');
  } catch {
    outcome = text.slice(0, 40).replace(/\s+/g, ' ');
  }
  return { status: response.status, outcome, ms };
}

function shuffle<T>(items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  // A shuffle that left everything in place tells nothing: rotate it.
  if (items.length > 1 && items.every((item, index) => (item as { n?: number }).n === index + 1))
    items.push(items.shift() as T);
  return items;
}

function expectedStatuses(values: { expect?: string; tamper?: boolean; stale?: boolean; duplicate?: string }) {
  if (values.expect !== undefined) {
    const list = values.expect.split(',').map((part) => Number(part.trim()));
    if (list.some((status) => !Number.isInteger(status) || status < 100 || status > 599)) {
      throw new UsageError('--expect takes statuses, e.g. 200,409');
    }
    return { test: (status: number) => list.includes(status), text: list.join(',') };
  }
  if (values.tamper || values.stale) return { test: (status: number) => status === 401, text: '401' };
  // Concurrent copies may meet one still running: 409 is the right answer then.
  if (values.duplicate !== undefined) {
    return { test: (status: number) => (status >= 200 && status < 300) || status === 409, text: '2xx or 409' };
  }
  return { test: (status: number) => status >= 200 && status < 300, text: '2xx' };
}

export const SEND_OPTIONS = {
  ...SCHEME_OPTIONS,
  file: { type: 'string', short: 'f' },
  data: { type: 'string', short: 'd' },
  raw: { type: 'boolean' },
  id: { type: 'string' },
  type: { type: 'string' },
  timestamp: { type: 'string' },
  duplicate: { type: 'string' },
  shuffle: { type: 'boolean' },
  tamper: { type: 'boolean' },
  stale: { type: 'boolean' },
  count: { type: 'string', short: 'n' },
  concurrency: { type: 'string', short: 'c' },
  expect: { type: 'string' },
  'add-header': { type: 'string', multiple: true, short: 'H' },
  json: { type: 'boolean' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
} as const;

export async function sendCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, SEND_OPTIONS);
  const url = positionals[0];
  if (url === undefined || !/^https?:\/\//.test(url))
    throw new UsageError('send needs the receiver URL, e.g. hookgate send http://localhost:3000/webhooks');
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  const settings = schemeSettings(values);
  const [secret] = secretsOf(values.secret, io.env, true) as [string];
  if (values.stale && !signsTimestamp(settings)) {
    throw new UsageError(`--stale: the ${settings.scheme} scheme signs no timestamp (dedupe stops its replays)`);
  }
  const duplicate = integer(values.duplicate, '--duplicate', 1);
  const concurrency = integer(values.concurrency, '--concurrency', 10);
  const expected = expectedStatuses(values);
  const extra = headerPairs(values['add-header']);
  const body = await readBody(values, io);
  const planned = plan(body, settings, values);
  const now = Math.floor(Date.now() / 1000);
  const timestamp =
    values.timestamp !== undefined ? integer(values.timestamp, '--timestamp', 0, 0) : values.stale ? now - 3600 : now;

  const sends = planned.flatMap((delivery) => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      ...extra,
      ...signHeaders(settings, { secret, body: delivery.body, id: delivery.id, type: values.type, timestamp }),
    };
    let sent = delivery.body;
    if (values.tamper) {
      if (settings.scheme === 'token') {
        const name = (settings.header ?? '').toLowerCase();
        headers[name] = `${headers[name] ?? ''}x`;
      } else {
        sent = Buffer.concat([delivery.body, Buffer.from(' ')]);
      }
    }
    return Array.from({ length: duplicate }, (_, copy) => ({ ...delivery, copy: copy + 1, headers, sent }));
  });
  const order = values.shuffle ? shuffle(sends) : sends;
  const total = order.length;
  const bar = progressBar(io, total, values);
  const started = performance.now();
  // Copies of one delivery go out together: the pool is at least as wide as --duplicate.
  const results = await pool(order, Math.max(concurrency, duplicate), async (send): Promise<SendResult> => {
    const answer = await post(url, send.headers, send.sent);
    const result = { n: send.n, copy: send.copy, id: send.id, ...answer, expected: expected.test(answer.status) };
    bar.clear();
    if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
    else io.stdout(`${line(result, duplicate)}\n`);
    bar.tick();
    return result;
  });
  bar.done();
  const elapsed = performance.now() - started;
  const outcomes = new Map<string, number>();
  for (const result of results) outcomes.set(result.outcome, (outcomes.get(result.outcome) ?? 0) + 1);
  const unexpected = results.filter((result) => !result.expected).length;
  if (values.json) {
    io.stdout(
      `${JSON.stringify({ summary: { sent: total, ms: Math.round(elapsed), outcomes: Object.fromEntries(outcomes), unexpected, expected: expected.text } })}\n`,
    );
  } else {
    const counts = [...outcomes].map(([outcome, count]) => `${count} ${outcome}`).join(', ');
    const verdict =
      unexpected === 0 ? `all as expected (${expected.text})` : `${unexpected} unexpected (expected ${expected.text})`;
    io.stdout(
      `${total} ${total === 1 ? 'delivery' : 'deliveries'} in ${Math.round(elapsed)} ms: ${counts} — ${verdict}\n`,
    );
  }
  return unexpected === 0 ? 0 : 1;
}

function line(result: SendResult, duplicate: number): string {
  const mark = result.expected ? '✓' : '✗';
  const copy = duplicate > 1 ? `.${result.copy}` : '';
  return (
    `${mark} #${result.n}${copy}`.padEnd(9) +
    ` ${result.status} ${result.outcome.padEnd(24)} ${`${Math.round(result.ms)} ms`.padStart(7)}  ${result.id}`
  );
}

export function headerPairs(pairs: string[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const colon = pair.indexOf(':');
    if (colon < 1) throw new UsageError(`-H takes "name: value", got "${pair}"`);
    headers[pair.slice(0, colon).trim().toLowerCase()] = pair.slice(colon + 1).trim();
  }
  return headers;
}

/** A one-line bar on stderr for long sends, only on a terminal (or with --progress). */
function progressBar(
  io: CliIO,
  total: number,
  values: { json?: boolean; progress?: boolean; 'no-progress'?: boolean },
) {
  const on = !values['no-progress'] && (values.progress || (io.stderrIsTTY && !values.json && total >= 50));
  let done = 0;
  const draw = () => {
    const width = 30;
    const filled = Math.round((done / total) * width);
    io.stderr(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}`);
  };
  return {
    tick() {
      done++;
      if (on) draw();
    },
    clear() {
      if (on && io.stderrIsTTY) io.stderr('\r\u001b[2K');
    },
    done() {
      if (on) io.stderr('\n');
    },
  };
}

export const SIGN_OPTIONS = {
  ...SCHEME_OPTIONS,
  file: { type: 'string', short: 'f' },
  data: { type: 'string', short: 'd' },
  id: { type: 'string' },
  type: { type: 'string' },
  timestamp: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** Prints the headers a sender would send with the body (the body is read as bytes, never re-encoded). */
export async function signCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, SIGN_OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const settings = schemeSettings(values);
  const [secret] = secretsOf(values.secret, io.env, true) as [string];
  const body = await readBody(values, io);
  let id = values.id ?? freshId(settings.scheme);
  const field = BODY_ID_FIELD[settings.scheme];
  if (values.id === undefined && field) {
    const found = (safeJson(body) as Record<string, unknown> | undefined)?.[field];
    if (typeof found === 'string') id = found;
  }
  if (!idInHeader(settings) && values.id !== undefined) {
    throw new UsageError(`--id: the ${settings.scheme} scheme reads the delivery id from the body`);
  }
  const timestamp = integer(values.timestamp, '--timestamp', Math.floor(Date.now() / 1000), 0);
  const headers = signHeaders(settings, { secret, body, id, type: values.type, timestamp });
  if (values.json) io.stdout(`${JSON.stringify({ headers, body: body.toString('utf8') })}\n`);
  else for (const [name, value] of Object.entries(headers)) io.stdout(`${name}: ${value}\n`);
  return 0;
}
