import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type AdaptableReceiver,
  type NodeAdapterOptions,
  resolveAdapterOptions,
  serveNodeRequest,
} from '@hookgate/core/http';

/** What body parsers that ran before us may have left on an Express request. */
interface ParsedRequest {
  body?: unknown;
  /** Raw bytes saved by a `verify` hook. */
  rawBody?: unknown;
  /** body-parser's mark that it has read the stream. */
  _body?: boolean;
}

export type HookgateExpressOptions = NodeAdapterOptions;

const MOUNT_HINT =
  "Mount hookgate before any body parser: app.post('/webhooks', hookgate(receiver)) above app.use(express.json()). " +
  'Or keep the raw bytes: express.json({ verify: (req, _res, buf) => { req.rawBody = buf } }), or express.raw({ type: () => true }) on the webhook route.';

/** An Express 4 / 5 handler; typed on node:http so it fits both versions. */
export type HookgateMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * `app.post('/webhooks', hookgate(receiver))`. Reads the raw body itself with
 * the receiver's size limit and `bodyTimeoutMs` bound (default 30 s), or uses
 * the raw bytes an earlier parser kept; it never re-encodes a parsed body.
 * Always answers; never calls `next`.
 */
export function hookgate(receiver: AdaptableReceiver, options?: HookgateExpressOptions): HookgateMiddleware {
  const bodyOptions = resolveAdapterOptions(options);
  return (req, res) => {
    const request = req as unknown as ParsedRequest;
    const earlier = { rawBody: request.rawBody, body: request.body, consumed: request._body, mountHint: MOUNT_HINT };
    serveNodeRequest(receiver, req, res, earlier, bodyOptions);
  };
}

export default hookgate;
