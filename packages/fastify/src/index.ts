import {
  type AdaptableReceiver,
  answerRequest,
  discardRest,
  HookgateError,
  isHookgateError,
  type NodeAdapterOptions,
  type NodeBodyStream,
  type ReceiverResponse,
  readNodeBodyInto,
  rejectRequest,
  resolveAdapterOptions,
  writableResponse,
} from '@hookgate/core/http';
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export interface HookgatePluginOptions extends NodeAdapterOptions {
  receiver: AdaptableReceiver;
  /** The webhook route inside the plugin's scope. Default `/`: the `prefix` you register it with is the route. */
  path?: string;
}

function send(reply: FastifyReply, receiver: AdaptableReceiver, response: ReceiverResponse): FastifyReply {
  const { status, headers, body } = writableResponse(receiver, response);
  return reply.code(status).headers(headers).send(body);
}

/** Fastify's own errors in this scope (a preParsing hook, a route option…) as hookgate errors. */
function fromFastify(error: FastifyError): HookgateError {
  if (isHookgateError(error)) return error;
  if (error.statusCode !== undefined && error.statusCode < 500) {
    return new HookgateError('invalid_body', 'The request body could not be read', { cause: error });
  }
  return new HookgateError('internal_error', 'The webhook route failed', { cause: error });
}

/**
 * `app.register(hookgate, { receiver, prefix: '/webhooks/github' })`: an
 * encapsulated plugin holding one POST route (`path`, default `/`, under the
 * `prefix`) and a raw-body parser that only its own scope sees, so every
 * other route keeps Fastify's normal JSON parsing. The body is read with the
 * receiver's size limit and the `bodyTimeoutMs` bound (default 30 s).
 */
export const hookgate: FastifyPluginAsync<HookgatePluginOptions> = async (scope, options) => {
  const { receiver, path = '/' } = options ?? ({} as HookgatePluginOptions);
  if (typeof receiver?.handle !== 'function') {
    throw new HookgateError(
      'invalid_configuration',
      "@hookgate/fastify needs a receiver: app.register(hookgate, { receiver, prefix: '/webhooks' })",
    );
  }
  const bodyOptions = resolveAdapterOptions(options);
  scope.removeAllContentTypeParsers();
  // The shared Node reader: streaming size limit, truncated bodies, the body-read bound.
  scope.addContentTypeParser('*', (request: FastifyRequest, payload: NodeBodyStream, done) =>
    readNodeBodyInto(payload, receiver.maxBodyBytes, bodyOptions, (error, body) => {
      if (error) discardRest(request.raw);
      done(error, body);
    }),
  );
  // Fastify's request logger hears hookgate's lines, unless the app has none (Fastify then gives
  // every request one no-op object: no level, one function for every method) or it is silent:
  // a log line built per delivery for nobody is wasted work.
  const logs = typeof scope.log.level === 'string' || scope.log.info !== scope.log.warn;
  const handle = (request: FastifyRequest, reply: FastifyReply, body: Buffer) => {
    const { method, url, headers } = request;
    const logger = logs && request.log.level !== 'silent' ? request.log : undefined;
    answerRequest(receiver, { method, url, headers, body, logger }, (response) => send(reply, receiver, response));
  };
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify refuses a media type it cannot parse (a garbage or empty content-type) before any
    // parser runs. Here the signature decides, not the media type: the body is read as bytes all the same.
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' && !request.raw.readableDidRead) {
      readNodeBodyInto(request.raw, receiver.maxBodyBytes, bodyOptions, (readError, body) => {
        if (readError) {
          discardRest(request.raw);
          send(reply, receiver, rejectRequest(receiver, readError));
        } else {
          handle(request, reply, body ?? Buffer.alloc(0));
        }
      });
      return;
    }
    send(reply, receiver, rejectRequest(receiver, fromFastify(error)));
  });
  scope.post(path, (request, reply) => {
    handle(request, reply, Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));
  });
};

export default hookgate;
