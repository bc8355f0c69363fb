import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DeliveryLog, type DeliveryOutcome, isEntryKey, isHookgateError, type LogQuery } from '@hookgate/core';
import { entryJSON } from './format.js';
import { APP_CSS, APP_JS, PAGE_HTML } from './inspector-page.js';
import { openLog } from './redis.js';
import { REPLAY_OPTIONS, type Resign, resend, resignOf } from './replay.js';
import { type CliIO, CommandError, integer, parse, UsageError } from './usage.js';

export interface InspectorOptions {
  log: DeliveryLog;
  /** Where the replay button sends a delivery again; without it the button is off. */
  to?: string | undefined;
  /** Sign replays afresh (a new timestamp) with this scheme and secret. */
  resign?: Resign | undefined;
  /** Accept requests for any Host (only with a non-loopback address on purpose). */
  allowRemote?: boolean | undefined;
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type }).end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/**
 * The inspector's request handler: the page, its script and style, and a small
 * JSON API over the log. It never shows a secret (the log holds none, and the
 * resign secret stays in this process). A DNS-rebinding page cannot reach it
 * (the Host must be loopback), and a cross-site form cannot replay (a custom
 * header is required, which needs a CORS preflight this server never grants).
 */
export function createInspector(options: InspectorOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { log } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!options.allowRemote && !LOOPBACK_HOST.test(req.headers.host ?? '')) {
      return json(res, 403, { error: 'the inspector answers loopback addresses only' });
    }
    const url = new URL(req.url ?? '/', 'http://inspector');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
    if (req.method === 'GET' && path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
    if (req.method === 'GET' && path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', APP_CSS);
    if (req.method === 'GET' && path === '/api/config') {
      return json(res, 200, {
        replay: options.to !== undefined,
        to: options.to ?? null,
        resign: options.resign !== undefined,
      });
    }
    if (req.method === 'GET' && path === '/api/entries') {
      const params = url.searchParams;
      const outcome = params.get('outcome') || undefined;
      const query: LogQuery = {
        outcome: outcome as DeliveryOutcome | undefined,
        scheme: params.get('scheme') || undefined,
        type: params.get('type') || undefined,
        cursor: params.get('cursor') || undefined,
        limit: Number(params.get('limit') || 50),
      };
      const page = await log.list(query);
      return json(res, 200, { entries: page.entries.map(entryJSON), cursor: page.cursor ?? null });
    }
    const match = /^\/api\/entries\/([^/]+)(\/replay)?$/.exec(path);
    if (match && isEntryKey(match[1])) {
      const key = match[1];
      if (req.method === 'GET' && !match[2]) {
        const entry = await log.get(key);
        return entry
          ? json(res, 200, entryJSON(entry))
          : json(res, 404, { error: 'no such delivery (or past retention)' });
      }
      if (req.method === 'POST' && match[2]) {
        if (req.headers['x-hookgate-inspector'] !== '1') return json(res, 403, { error: 'replays come from the page' });
        if (options.to === undefined)
          return json(res, 409, { error: 'start hookgate inspect with --to URL to replay' });
        const entry = await log.get(key);
        if (!entry) return json(res, 404, { error: 'no such delivery (or past retention)' });
        try {
          const answer = await resend(entry, options.to, options.resign);
          return json(res, 200, { status: answer.status, outcome: answer.outcome, ms: Math.round(answer.ms) });
        } catch (error) {
          return json(res, 502, { error: (error as Error).message });
        }
      }
    }
    return json(res, 404, { error: 'not found' });
  };
  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const message = isHookgateError(error) ? error.message : 'the delivery log could not be read';
      if (!res.headersSent) json(res, isHookgateError(error) ? error.status : 503, { error: message });
    });
  };
}

export const INSPECT_OPTIONS = {
  ...REPLAY_OPTIONS,
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'allow-remote': { type: 'boolean' },
} as const;

export async function inspectCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, INSPECT_OPTIONS);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const host = values.host ?? '127.0.0.1';
  const loopback = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/.test(host);
  if (!loopback && !values['allow-remote']) {
    throw new UsageError(
      `--host ${host} is not a loopback address: add --allow-remote if you mean it (the page has no login)`,
    );
  }
  const port = integer(values.port, '--port', 4870, 0);
  if (values.to !== undefined && !/^https?:\/\//.test(values.to)) throw new UsageError('--to must be an http(s) URL');
  const resign = resignOf(values, io.env);
  const { log, close } = await openLog(values.redis, values.prefix, io.env);
  const server = createServer(createInspector({ log, to: values.to, resign, allowRemote: !loopback }));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (error) {
    close();
    throw new CommandError(`cannot listen on ${host}:${port} (${(error as { code?: string }).code ?? 'error'})`);
  }
  const { port: bound } = server.address() as AddressInfo;
  const address = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
  io.stdout(
    `hookgate inspector on ${address}${values.to ? ` (replays go to ${values.to})` : ' (read-only: add --to URL to replay)'}\n`,
  );
  io.onListening?.(address);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    if (io.signal?.aborted) return stop();
    io.signal?.addEventListener('abort', stop, { once: true });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  close();
  return 0;
}
