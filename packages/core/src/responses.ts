import type { HookgateError } from './errors.js';
import type { ReceiverResponse } from './types.js';

/** What a 2xx answer says happened to the delivery. */
export type Acknowledgement = 'processed' | 'duplicate' | 'stale' | 'unhandled' | 'queued';

const JSON_HEADERS = Object.freeze({ 'content-type': 'application/json' });

const ACK_BODIES: Readonly<Record<Acknowledgement, string>> = {
  processed: '{"status":"processed"}',
  duplicate: '{"status":"duplicate"}',
  stale: '{"status":"stale"}',
  unhandled: '{"status":"unhandled"}',
  queued: '{"status":"queued"}',
};

export function okResponse(status: Acknowledgement, httpStatus = 200): ReceiverResponse {
  // A fresh headers object each time: an adapter or a caller may add to it.
  return { status: httpStatus, headers: { 'content-type': 'application/json' }, body: ACK_BODIES[status] };
}

/** The answer for a failure: its status, Retry-After when it has one, and a small JSON body with no payload in it. */
export function errorResponse(error: HookgateError): ReceiverResponse {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  if (error.code === 'method_not_allowed') headers.allow = 'POST';
  return {
    status: error.status,
    headers,
    body: JSON.stringify({ error: { code: error.code, message: error.message } }),
  };
}
