export type { IORedisLike, NodeRedisClusterLike, NodeRedisLike, RedisClientLike, SendCommand } from './client.js';
export { DEFAULT_PREFIX } from './keys.js';
export type { RedisDeliveryLogOptions } from './redis-log.js';
export { RedisDeliveryLog, RedisDeliveryLogError } from './redis-log.js';
export type { RedisStoreOperation, RedisStoreOptions } from './redis-store.js';
export { RedisStore, RedisStoreError } from './redis-store.js';
