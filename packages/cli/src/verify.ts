import { readFile } from 'node:fs/promises';
import { isHookgateError, type SchemeRequest } from '@hookgate/core';
import { isoTime } from './format.js';
import { receivingScheme, signsTimestamp } from './schemes.js';
import { SCHEME_OPTIONS, schemeSettings } from './send.js';
import { type CliIO, integer, parse, secretsOf, timeOption, UsageError } from './usage.js';

export const VERIFY_OPTIONS = {
  ...SCHEME_OPTIONS,
  file: { type: 'string', short: 'f' },
  label: { type: 'string', multiple: true },
  tolerance: { type: 'string' },
  now: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/**
 * A captured request: `{ "headers": {…}, "body": "…" }` (and `"bodyEncoding": "base64"`
 * for bytes that are not text; `method` and `url` optional).
 */
async function readRequest(file: string | undefined): Promise<SchemeRequest> {
  if (file === undefined) throw new UsageError('verify needs --file request.json: { "headers": {…}, "body": "…" }');
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(code ? `cannot read ${file} (${code})` : `${file} is not JSON`);
  }
  const json = data as { method?: unknown; url?: unknown; headers?: unknown; body?: unknown; bodyEncoding?: unknown };
  if (typeof json.headers !== 'object' || json.headers === null || typeof json.body !== 'string') {
    throw new UsageError(`${file} needs "headers" (an object) and "body" (a string)`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(json.headers as Record<string, unknown>)) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(', ');
  }
  const body = json.bodyEncoding === 'base64' ? Buffer.from(json.body, 'base64') : Buffer.from(json.body, 'utf8');
  return {
    method: typeof json.method === 'string' ? json.method : 'POST',
    url: typeof json.url === 'string' ? json.url : '/',
    headers,
    body,
  };
}

/** Says whether a captured request verifies, and if not why: which header, which window, which secret. */
export async function verifyCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse(args, VERIFY_OPTIONS);
  const file = values.file ?? positionals[0];
  const settings = schemeSettings(values);
  const secrets = secretsOf(values.secret, io.env, true);
  const labels = values.label ?? [];
  const labelOf = (index: number) => labels[index] ?? `#${index + 1}`;
  const tolerance = integer(values.tolerance, '--tolerance', 300, 0);
  const nowMs = timeOption(values.now, '--now') ?? Date.now();
  const request = await readRequest(file);

  const failures: { label: string; code: string; message: string }[] = [];
  let matched: { label: string; timestamp: number | undefined } | undefined;
  for (const [index, secret] of secrets.entries()) {
    try {
      const verified = await receivingScheme(settings, secret).verify(request);
      matched = { label: labelOf(index), timestamp: verified.timestamp };
      break;
    } catch (error) {
      if (!isHookgateError(error)) throw error;
      failures.push({ label: labelOf(index), code: error.code, message: error.message });
    }
  }
  const report = (ok: boolean, code: string, message: string, extra: Record<string, unknown> = {}) => {
    if (values.json) io.stdout(`${JSON.stringify({ ok, code, message, ...extra })}\n`);
    else io.stdout(`${ok ? '✓' : '✗'} ${message}\n`);
    return ok ? 0 : 1;
  };
  if (matched === undefined) {
    const first = failures[0] as { code: string; message: string };
    if (failures.every((failure) => failure.code === first.code) && first.code !== 'invalid_signature') {
      // The request itself is at fault (a header missing or malformed), whatever the secret.
      return report(false, first.code, `${first.code}: ${first.message}`);
    }
    const tried = failures.map((failure) => failure.label).join(', ');
    return report(
      false,
      'invalid_signature',
      `invalid_signature: no secret matched (tried ${tried}) over the ${request.body.length} body bytes — a wrong secret, or the body changed after signing (a proxy, or a parser that re-encoded the JSON)`,
      { tried: failures.map((failure) => failure.label) },
    );
  }
  const label = `secret ${matched.label}`;
  if (matched.timestamp !== undefined && signsTimestamp(settings)) {
    const age = Math.round(nowMs / 1000 - matched.timestamp);
    const when = `signed at ${isoTime(matched.timestamp * 1000)}, ${Math.abs(age)} s ${age >= 0 ? 'ago' : 'ahead'}`;
    if (Math.abs(age) > tolerance) {
      return report(
        false,
        'timestamp_outside_window',
        `timestamp_outside_window: the signature matches ${label}, but it was ${when} (window ${tolerance} s)`,
        { secret: matched.label, age },
      );
    }
    return report(
      true,
      'ok',
      `verified with ${label} (${settings.scheme}); ${when}, within the ${tolerance} s window`,
      { secret: matched.label, age },
    );
  }
  return report(true, 'ok', `verified with ${label} (${settings.scheme}); no signed timestamp (dedupe stops replays)`, {
    secret: matched.label,
  });
}
