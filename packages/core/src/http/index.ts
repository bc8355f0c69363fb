// @hookgate/core/http: what adapter authors build on (reading bodies, writing answers).

export { HookgateError, isHookgateError, toHookgateError } from '../errors.js';
export { errorResponse } from '../responses.js';
export type { ReceiverRequest, ReceiverResponse } from '../types.js';
export type { BodyReadOptions } from './body-limit.js';
export { DEFAULT_BODY_TIMEOUT_MS } from './body-limit.js';
export { readFetchBody, toFetchHandler } from './fetch.js';
export type { EarlierParser, NodeAdapterOptions, NodeBodyStream, ResolvedAdapterOptions } from './node.js';
export {
  discardRest,
  handleNodeRequest,
  readNodeBody,
  readNodeBodyInto,
  resolveAdapterOptions,
  serveNodeRequest,
  toNodeHandler,
  writeNodeResponse,
} from './node.js';
export type { ParsedBodyInput } from './parsed-body.js';
export { rawBodyFromParser } from './parsed-body.js';
export type { AdaptableReceiver } from './report.js';
export { answerRequest, rejectRequest, reportUnwritable } from './report.js';
export { checkResponse, writableResponse } from './response.js';
