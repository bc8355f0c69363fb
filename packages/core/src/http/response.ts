import { validateHeaderName, validateHeaderValue } from 'node:http';
import { isCredential } from '../headers.js';
import type { ReceiverResponse } from '../types.js';
import { type AdaptableReceiver, reportUnwritable, unwritable, unwritableResponse } from './report.js';

/** Why Node would refuse to write this answer, or undefined when it can be written as it is. */
export function checkResponse(response: ReceiverResponse): Error | undefined {
  const { status, headers, body } = response;
  if (!Number.isInteger(status) || status < 100 || status > 999) return unwritable('status', status);
  if (typeof body !== 'string') return unwritable('body', body);
  if (typeof headers !== 'object' || headers === null) return unwritable('header', headers);
  for (const name of Object.keys(headers)) {
    const value: unknown = headers[name];
    if (typeof value !== 'string') return unwritable('header', name);
    if (writableHeaders.get(name) === value) continue;
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch (error) {
      return error as Error;
    }
    if (value.length <= MAX_REMEMBERED_VALUE && !isCredential(name) && writableHeaders.size < MAX_REMEMBERED) {
      writableHeaders.set(name, value);
    }
  }
  return undefined;
}

/**
 * Headers Node has already accepted, each name with its last value: an answer's headers are
 * mostly the same every time (content-type: application/json), and a lookup costs a fifth of
 * Node's two checks (a regular expression each).
 */
const writableHeaders = new Map<string, string>();
/** Names remembered, at most: a handler inventing names must not grow memory. */
const MAX_REMEMBERED = 100;
/**
 * The longest value remembered. Short and never a credential's (set-cookie, authorization…):
 * what stays in memory for the process's life is a content type, a Retry-After, an Allow.
 */
const MAX_REMEMBERED_VALUE = 64;

/**
 * The answer as it is when it can be written; else a 500 `internal_error`,
 * with the reason reported to the receiver's `onError`. For adapters that
 * hand the answer to a framework (Koa, Fastify), which would otherwise throw,
 * log it, or answer in its own format.
 */
export function writableResponse(
  receiver: Pick<AdaptableReceiver, 'reportError'> | undefined,
  response: ReceiverResponse,
): ReceiverResponse {
  const failure = checkResponse(response);
  if (failure === undefined) return response;
  reportUnwritable(receiver, failure);
  return unwritableResponse();
}
