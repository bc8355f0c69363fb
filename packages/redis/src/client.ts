/**
 * One function to send a command, whatever client the app already has.
 * Arguments are strings; the reply is whatever the client decodes
 * (numbers, strings, arrays), read defensively by the store.
 *
 * `key` is the one Redis key the command acts on (undefined for a command with
 * none, such as `CONFIG GET`): a cluster client routes the command by it.
 */
export type SendCommand = (args: string[], key?: string) => Promise<unknown>;

/** An ioredis `Redis` or `Cluster`: `call(command, args)`; `duplicate()` for ordering notifications. */
export interface IORedisLike {
  call(command: string, args: string[]): Promise<unknown>;
  duplicate?(): IORedisSubscriberLike;
}

/** A node-redis v4, v5 or v6 client (`createClient()`): `sendCommand(args)`; `duplicate()` for notifications. */
export interface NodeRedisLike {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate?(): NodeRedisSubscriberLike;
}

/**
 * A node-redis v4, v5 or v6 cluster (`createCluster()`): `sendCommand(firstKey, isReadonly, args)`
 * routes each command to the node that owns its key.
 */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getSlotMaster(slot: number): unknown;
  duplicate?(): NodeRedisSubscriberLike;
}

/** The part of an ioredis connection a subscriber needs. */
export interface IORedisSubscriberLike {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

/** The part of a node-redis connection (or cluster) a subscriber needs. */
export interface NodeRedisSubscriberLike {
  connect(): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy?(): unknown;
  disconnect?(): Promise<unknown>;
}

/** Listens on one channel over a connection of its own; `close` ends it. */
export interface ChannelSubscription {
  close(): void;
}

export type RedisClientLike = IORedisLike | NodeRedisLike | NodeRedisClusterLike;

/** Opens a subscription to one channel; resolves once Redis confirmed it. */
export type Subscribe = (channel: string, onMessage: (message: string) => void) => Promise<ChannelSubscription>;

/**
 * A dedicated subscriber connection (a connection in subscribe mode can do
 * nothing else), or undefined when the client cannot make one.
 */
export function subscriberOf(client: RedisClientLike | undefined): Subscribe | undefined {
  if (client === undefined || typeof client.duplicate !== 'function') return undefined;
  if (isIORedis(client)) {
    const duplicate = client.duplicate?.bind(client);
    if (!duplicate) return undefined;
    return async (channel, onMessage) => {
      const connection = duplicate();
      connection.on('error', () => {}); // ioredis reconnects by itself; the poll covers the gap
      connection.on('message', (from, message) => {
        if (from === channel) onMessage(message);
      });
      try {
        await connection.subscribe(channel);
      } catch (error) {
        connection.disconnect(); // e.g. no pub/sub rights: never leave the connection behind
        throw error;
      }
      return { close: () => connection.disconnect() };
    };
  }
  const duplicate = (client as NodeRedisLike | NodeRedisClusterLike).duplicate?.bind(client);
  if (!duplicate) return undefined;
  return async (channel, onMessage) => {
    const connection = duplicate();
    connection.on('error', () => {}); // node-redis reconnects by itself; the poll covers the gap
    const close = () => {
      if (connection.destroy) connection.destroy();
      else connection.disconnect?.().catch(() => {});
    };
    try {
      await connection.connect();
      await connection.subscribe(channel, (message) => onMessage(message));
    } catch (error) {
      close(); // e.g. no pub/sub rights: never leave the connection behind
      throw error;
    }
    return { close };
  };
}

function isIORedis(client: RedisClientLike): client is IORedisLike {
  // ioredis also has a `sendCommand`, which takes its own Command objects: look for `call` first.
  return typeof (client as Partial<IORedisLike>).call === 'function';
}

function isNodeRedisCluster(client: RedisClientLike): client is NodeRedisClusterLike {
  return typeof (client as Partial<NodeRedisClusterLike>).getSlotMaster === 'function';
}

/** Why a value is not a client, in words that never repeat the value (it may be a URL with a password). */
function notAClient(client: unknown): string {
  const what = client === null ? 'null' : Array.isArray(client) ? 'an array' : `a ${typeof client}`;
  const hint =
    typeof client === 'string'
      ? ': RedisStore takes the client your app already has, not a URL (new RedisStore({ client: new Redis(url) }))'
      : '';
  return `RedisStore: client must be an ioredis client or a node-redis client or cluster, not ${what}${hint}`;
}

export function sendCommandOf(client: unknown): SendCommand {
  // Every client is an object; a function would pass for ioredis by its Function.prototype.call.
  if (typeof client !== 'object' || client === null || Array.isArray(client)) throw new TypeError(notAClient(client));
  const candidate = client as RedisClientLike;
  if (isIORedis(candidate)) {
    // ioredis (a Cluster too) finds the key in the arguments and routes by it.
    return ([command, ...args]) => candidate.call(command ?? '', args);
  }
  if (isNodeRedisCluster(candidate) && typeof candidate.sendCommand === 'function') {
    // Writes and reads alike go to the key's primary: a replica may lag behind a cursor just moved.
    return (args, key) => candidate.sendCommand(key, false, args);
  }
  if (typeof (candidate as Partial<NodeRedisLike>).sendCommand === 'function') {
    return (args) => (candidate as NodeRedisLike).sendCommand(args);
  }
  throw new TypeError('RedisStore: client must be an ioredis client or a node-redis client or cluster');
}
