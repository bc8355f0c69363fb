/**
 * One function to send a command, whatever client the app already has.
 * Arguments are strings; the reply is whatever the client decodes
 * (numbers, strings, arrays), read defensively by the store.
 */
export type SendCommand = (args: string[]) => Promise<unknown>;

/** An ioredis `Redis` or `Cluster`: `call(command, args)`. */
export interface IORedisLike {
  call(command: string, args: string[]): Promise<unknown>;
}

/** A node-redis v4, v5 or v6 client (`createClient()`): `sendCommand(args)`. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

export type RedisClientLike = IORedisLike | NodeRedisLike;

function isIORedis(client: RedisClientLike): client is IORedisLike {
  // ioredis also has a `sendCommand`, which takes its own Command objects: look for `call` first.
  return typeof (client as Partial<IORedisLike>).call === 'function';
}

export function sendCommandOf(client: RedisClientLike): SendCommand {
  if (isIORedis(client)) {
    return ([command, ...args]) => client.call(command ?? '', args);
  }
  if ('getSlotMaster' in client) {
    // A node-redis cluster's sendCommand wants (firstKey, isReadonly, args).
    throw new TypeError(
      'RedisStore: for a node-redis cluster pass sendCommand: (args) => cluster.sendCommand(args[3], false, args)',
    );
  }
  if (typeof (client as Partial<NodeRedisLike>).sendCommand === 'function') {
    return (args) => client.sendCommand(args);
  }
  throw new TypeError('RedisStore: client must be an ioredis client or a node-redis client (createClient())');
}
