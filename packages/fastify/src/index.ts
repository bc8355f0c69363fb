import { type AdaptableReceiver, errorResponse, HookgateError, type ReceiverResponse } from '@hookgate/core/http';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

export interface HookgatePluginOptions {
  /** The webhook route, e.g. `/webhooks/stripe`. */
  path: string;
  receiver: AdaptableReceiver;
}

function send(reply: FastifyReply, response: ReceiverResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}

/** Fastify's own errors in this scope (bodyLimit, aborted body…) as hookgate JSON errors. */
function toHookgateError(error: FastifyError, limit: number): HookgateError {
  if (error.statusCode === 413) return new HookgateError('payload_too_large', `The body is larger than ${limit} bytes`);
  if (error.statusCode !== undefined && error.statusCode < 500) {
    return new HookgateError('invalid_body', 'The request body could not be read');
  }
  return new HookgateError('internal_error', 'The webhook route failed', { cause: error });
}

/**
 * The route-level form: an encapsulated plugin holding one POST route and a
 * raw-body parser that only this scope sees, so every other route keeps
 * Fastify's normal JSON parsing. `app.register(hookgateRoute(receiver, '/webhooks'))`.
 */
export function hookgateRoute(receiver: AdaptableReceiver, path = '/'): FastifyPluginAsync {
  return async (scope: FastifyInstance) => {
    // Fastify refuses a media type it cannot parse before any parser runs; here the signature
    // decides, so every body reads as bytes and the sender's content-type goes on to the receiver.
    const sentContentType = new WeakMap<object, string | undefined>();
    scope.addHook('onRequest', async (request) => {
      sentContentType.set(request, request.headers['content-type']);
      request.headers['content-type'] = 'application/octet-stream';
    });
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: receiver.maxBodyBytes }, (_req, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler((error: FastifyError, _request, reply) =>
      send(reply, errorResponse(toHookgateError(error, receiver.maxBodyBytes))),
    );
    scope.post(path, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const { method, url } = request;
      const headers = { ...request.headers, 'content-type': sentContentType.get(request) };
      // Fastify's request logger (silent unless the app enables logging) hears hookgate's lines.
      return send(reply, await receiver.handle({ method, url, headers, body, logger: request.log }));
    });
  };
}

/** `app.register(hookgate, { path: '/webhooks', receiver })`. */
export const hookgate = fp<HookgatePluginOptions>(
  async (fastify, options) => {
    await fastify.register(hookgateRoute(options.receiver, options.path));
  },
  { fastify: '5.x', name: '@hookgate/fastify' },
);

export default hookgate;
