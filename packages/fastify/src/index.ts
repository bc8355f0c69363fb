import type { IncomingMessage } from 'node:http';
import {
  type AdaptableReceiver,
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

/** The sender's Content-Type, kept while Fastify sees every body as bytes. */
const SENT_TYPE = Symbol('hookgate.contentType');
type MarkedRequest = IncomingMessage & { [SENT_TYPE]?: string | undefined };

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
  // Fastify refuses a media type it cannot parse before any parser runs; here the signature
  // decides, so every body reads as bytes and the sender's content-type goes on to the receiver.
  scope.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw as MarkedRequest;
    raw[SENT_TYPE] = request.headers['content-type'];
    request.headers['content-type'] = 'application/octet-stream';
    done();
  });
  scope.removeAllContentTypeParsers();
  // The shared Node reader: streaming size limit, truncated bodies, the body-read bound.
  scope.addContentTypeParser('*', (request: FastifyRequest, payload: NodeBodyStream, done) =>
    readNodeBodyInto(payload, receiver.maxBodyBytes, bodyOptions, (error, body) => {
      if (error) discardRest(request.raw);
      done(error, body);
    }),
  );
  scope.setErrorHandler((error: FastifyError, _request, reply) =>
    send(reply, receiver, rejectRequest(receiver, fromFastify(error))),
  );
  scope.post(path, (request, reply) => {
    const raw = request.raw as MarkedRequest;
    const headers = request.headers;
    if (raw[SENT_TYPE] === undefined) delete headers['content-type'];
    else headers['content-type'] = raw[SENT_TYPE];
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    // Fastify's request logger (silent unless the app enables logging) hears hookgate's lines.
    receiver.handle({ method: request.method, url: request.url, headers, body, logger: request.log }).then(
      (response) => send(reply, receiver, response),
      (error: unknown) => send(reply, receiver, rejectRequest(receiver, error)),
    );
  });
};

export default hookgate;
