import type { IncomingMessage } from 'node:http';
import {
  type AdaptableReceiver,
  handleNodeRequest,
  type NodeAdapterOptions,
  resolveAdapterOptions,
  writableResponse,
} from '@hookgate/core/http';

/** The part of a Koa context the middleware uses; Koa 2 and 3 contexts fit it. */
export interface KoaContextLike {
  req: IncomingMessage;
  /** `rawBody` is what @koa/bodyparser (or koa-bodyparser) keeps when it ran first. */
  request: { body?: unknown; rawBody?: unknown };
  status: number;
  body: unknown;
  set(field: string, value: string): void;
}

export type HookgateKoaOptions = NodeAdapterOptions;

const MOUNT_HINT =
  "Mount hookgate before bodyParser() (router.post('/webhooks', hookgate(receiver)) with app.use(bodyParser()) after the router), " +
  'or use @koa/bodyparser, which keeps ctx.request.rawBody.';

/**
 * `router.post('/webhooks', hookgate(receiver))` with @koa/router, or
 * `app.use(hookgate(receiver))`. Reads the raw body with the receiver's size
 * limit and `bodyTimeoutMs` bound (default 30 s), or uses `ctx.request.rawBody`
 * when a body parser ran first.
 */
export function hookgate(
  receiver: AdaptableReceiver,
  options?: HookgateKoaOptions,
): (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void> {
  const bodyOptions = resolveAdapterOptions(options);
  return async (ctx) => {
    const { rawBody, body } = ctx.request;
    const earlier = { rawBody, body, mountHint: MOUNT_HINT };
    const response = writableResponse(receiver, await handleNodeRequest(receiver, ctx.req, earlier, bodyOptions));
    // Headers first: Koa would otherwise pick a content type from the body.
    for (const name of Object.keys(response.headers)) ctx.set(name, response.headers[name]!);
    ctx.status = response.status;
    ctx.body = response.body;
  };
}

export default hookgate;
