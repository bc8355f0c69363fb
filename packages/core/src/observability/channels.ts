import { isThenable } from '../maybe-promise.js';
import type { MaybePromise } from '../types.js';
import { nodeBuiltin } from './runtime.js';

/**
 * `node:diagnostics_channel` tracing channels, for APM agents to subscribe to
 * without hookgate depending on them:
 *
 * - `hookgate:handle`: one delivery through `handle` (or `accept`, `process`), context {@link HandleMessage};
 * - `hookgate:verify`: the scheme's signature check, context {@link VerifyMessage};
 * - `hookgate:dispatch`: the handlers of one delivery, context {@link DispatchMessage}.
 *
 * Each publishes `start` and `end` (`runStores` on `start`, so a bound store is active in
 * the traced call), `error` on a failure, and `asyncStart`/`asyncEnd` when the call
 * answered with a promise. Nothing is built or published while nobody subscribes.
 * The messages carry no secret, signature, header or payload.
 */
export interface HandleMessage {
  readonly scheme: string;
  /** `handle`, `accept` or `process`. */
  readonly operation: string;
  /** The answer (`handle`) or result (`accept`, `process`). */
  result?: unknown;
  /** What the delivery came to, once it did (the record `observe` gets). */
  record?: unknown;
  error?: unknown;
}

export interface VerifyMessage {
  readonly scheme: string;
  /** What verified: the delivery id, the signed timestamp, the secret's label. */
  result?: unknown;
  /** The HookgateError (401) that refused the signature. */
  error?: unknown;
}

export interface DispatchMessage {
  readonly scheme: string;
  readonly id: string | undefined;
  readonly type: string | undefined;
  result?: unknown;
  /** The `handler_failed` HookgateError. */
  error?: unknown;
}

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
  runStores<T>(context: unknown, fn: () => T): T;
}

export interface TracingChannel {
  readonly start: Channel;
  readonly end: Channel;
  readonly asyncStart: Channel;
  readonly asyncEnd: Channel;
  readonly error: Channel;
  /** Node ≥ 20.13; older ones are asked channel by channel. */
  readonly hasSubscribers?: boolean;
}

interface DiagnosticsChannelModule {
  tracingChannel?(name: string): TracingChannel;
}

export interface HookgateChannels {
  readonly handle: TracingChannel;
  readonly verify: TracingChannel;
  readonly dispatch: TracingChannel;
}

let channels: HookgateChannels | null | undefined;

/** The three channels, created once, or undefined where the runtime has none. */
export function hookgateChannels(): HookgateChannels | undefined {
  if (channels === undefined) {
    const dc = nodeBuiltin<DiagnosticsChannelModule>('node:diagnostics_channel');
    channels =
      typeof dc?.tracingChannel === 'function'
        ? {
            handle: dc.tracingChannel('hookgate:handle'),
            verify: dc.tracingChannel('hookgate:verify'),
            dispatch: dc.tracingChannel('hookgate:dispatch'),
          }
        : null;
  }
  return channels ?? undefined;
}

/** Whether anyone listens to any of the channel's events. */
export function isListened(channel: TracingChannel): boolean {
  const all = channel.hasSubscribers;
  if (all !== undefined) return all;
  return (
    channel.start.hasSubscribers ||
    channel.end.hasSubscribers ||
    channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers ||
    channel.error.hasSubscribers
  );
}

/**
 * Node's `traceSync` for a call that answers at once, its `tracePromise` for one
 * that answers with a promise: the same events, for calls that may do either.
 */
export function traceCall<T, M extends { result?: unknown; error?: unknown }>(
  channel: TracingChannel,
  message: M,
  call: () => MaybePromise<T>,
): MaybePromise<T> {
  const failed = (error: unknown) => {
    message.error = error;
    channel.error.publish(message);
  };
  return channel.start.runStores(message, () => {
    let answer: MaybePromise<T>;
    try {
      answer = call();
      if (!isThenable(answer)) message.result = answer;
    } catch (error) {
      failed(error);
      throw error;
    } finally {
      channel.end.publish(message);
    }
    if (!isThenable(answer)) return answer;
    return Promise.resolve(answer).then(
      (value) => {
        message.result = value;
        channel.asyncStart.publish(message);
        channel.asyncEnd.publish(message);
        return value;
      },
      (error: unknown) => {
        failed(error);
        channel.asyncStart.publish(message);
        channel.asyncEnd.publish(message);
        throw error;
      },
    );
  });
}
