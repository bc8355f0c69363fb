// @hookgate/core/http: what adapter authors build on (reading bodies, writing answers).

export { HookgateError, isHookgateError, toHookgateError } from '../errors.js';
export { errorResponse } from '../responses.js';
export type { ReceiverRequest, ReceiverResponse } from '../types.js';
export { readFetchBody, toFetchHandler } from './fetch.js';
export type { AdaptableReceiver, EarlierParser } from './node.js';
export { handleNodeRequest, readNodeBody, rejectRequest, toNodeHandler, writeNodeResponse } from './node.js';
export type { ParsedBodyInput } from './parsed-body.js';
export { rawBodyFromParser } from './parsed-body.js';
