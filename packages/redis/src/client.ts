/**
 * One function to send a command, whatever client the app already has.
 * Arguments are strings; the reply is whatever the client decodes
 * (numbers, strings, arrays), read defensively by the store.
 */
export type SendCommand = (args: string[]) => Promise<unknown>;

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

/** The part of an ioredis connection a subscriber needs. */
export interface IORedisSubscriberLike {
  subscribe(channel: string): Promise<unknown>;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  disconnect(): void;
}

/** The part of a node-redis connection a subscriber needs. */
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

/**
 * A dedicated subscriber connection (a connection in subscribe mode can do
 * nothing else), or undefined when the client cannot make one.
 */
export function subscriberOf(
  client: RedisClientLike | undefined,
): ((channel: string, onMessage: (message: string) => void) => Promise<ChannelSubscription>) | undefined {
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
  const duplicate = (client as NodeRedisLike).duplicate?.bind(client);
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
