import type { HookgateError } from '../errors.js';
import type { DeliveryRecord } from '../types.js';

type LogMethod = (fields: Record<string, unknown>, message?: string) => void;

/**
 * A pino-shaped logger (pino, Fastify's `request.log`, or anything with these
 * methods). hookgate logs nothing unless given one, and never to the console.
 */
export interface Logger {
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
  /** When present, called once per receiver so every line carries `hookgate: <scheme>`. */
  child?(bindings: Record<string, unknown>): Logger;
}

/** What a delivery logs at, by outcome (see the README's "Logging"). */
function levelOf(record: DeliveryRecord): keyof Omit<Logger, 'child'> {
  switch (record.outcome) {
    case 'rejected':
      return 'warn';
    case 'failed':
      return 'error';
    case 'unavailable':
      // A store that failed is an operator's problem; an ordering hold that ran out is the sender's retry.
      return record.code === 'store_unavailable' ? 'error' : 'warn';
    case 'in-flight':
      return 'info';
    default:
      // processed, unhandled, duplicate, stale, challenge
      return 'debug';
  }
}

/**
 * One line per delivery: codes and outcomes, never a message, a header, a
 * signature or a payload. A rejection carries its code only (its id and type
 * came from a request that may not be genuine).
 */
export function logDelivery(logger: Logger, record: DeliveryRecord, scheme: string | undefined, timed: boolean): void {
  const fields: Record<string, unknown> = {};
  if (scheme !== undefined) fields.hookgate = scheme;
  fields.outcome = record.outcome;
  fields.status = record.status;
  if (record.code !== undefined) fields.code = record.code;
  if (record.outcome !== 'rejected') {
    if (record.id !== undefined) fields.id = record.id;
    if (record.type !== undefined) fields.type = record.type;
  }
  if (timed) fields.durationMs = Math.round(record.durationMs * 1000) / 1000;
  if (record.handlerMs !== undefined) fields.handlerMs = Math.round(record.handlerMs * 1000) / 1000;
  logger[levelOf(record)](fields, `webhook ${record.outcome}`);
}

/**
 * A failure reported apart from a delivery's answer (a store that failed to mark
 * one done, a lost lease, a setup warning): stores at error. Only setup warnings
 * keep their message, which hookgate or the store wrote about the configuration.
 */
export function logReport(
  logger: Logger,
  error: HookgateError,
  scheme: string | undefined,
  delivery: { id: string | undefined; type: string | undefined } | undefined,
): void {
  const fields: Record<string, unknown> = {};
  if (scheme !== undefined) fields.hookgate = scheme;
  fields.code = error.code;
  if (delivery?.id !== undefined) fields.id = delivery.id;
  if (delivery?.type !== undefined) fields.type = delivery.type;
  switch (error.code) {
    case 'invalid_configuration':
      logger.warn(fields, error.message);
      return;
    case 'unhandled_event':
      logger.warn(fields, 'webhook event type has no handler');
      return;
    default:
      logger.error(fields, 'webhook failure after the answer');
  }
}
