import type { IncomingMessage } from 'node:http';
import { type AdaptableReceiver, handleNodeRequest } from '@hookgate/core/http';

/** The part of a Koa context the middleware uses; Koa 2 and 3 contexts fit it. */
export interface KoaContextLike {
  req: IncomingMessage;
  /** `rawBody` is what @koa/bodyparser (or koa-bodyparser) keeps when it ran first. */
  request: { body?: unknown; rawBody?: unknown };
  status: number;
  body: unknown;
  set(field: string, value: string): void;
}

const MOUNT_HINT =
  "Mount hookgate before bodyParser() (router.post('/webhooks', hookgate(receiver)) with app.use(bodyParser()) after the router), " +
  'or use @koa/bodyparser, which keeps ctx.request.rawBody.';

/**
 * `router.post('/webhooks', hookgate(receiver))` with @koa/router, or
 * `app.use(hookgate(receiver))`. Reads the raw body with the receiver's size
 * limit, or uses `ctx.request.rawBody` when a body parser ran first.
 */
export function hookgate(
  receiver: AdaptableReceiver,
): (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<void> {
  return async (ctx) => {
    const earlier = { rawBody: ctx.request.rawBody, body: ctx.request.body, mountHint: MOUNT_HINT };
    const response = await handleNodeRequest(receiver, ctx.req, earlier);
    // Headers first: Koa would otherwise pick a content type from the body.
    for (const [name, value] of Object.entries(response.headers)) ctx.set(name, value);
    ctx.status = response.status;
    ctx.body = response.body;
  };
}

export default hookgate;
