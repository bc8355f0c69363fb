import { RedisDeliveryLog } from '@hookgate/redis';
import { Redis } from 'ioredis';
import { CommandError, UsageError } from './usage.js';

/** Where the URL points, without its password: for messages. */
function where(url: URL): string {
  return `${url.hostname}:${url.port || '6379'}`;
}

/** The Redis delivery log behind --redis (and --prefix); `close` disconnects. */
export async function openLog(
  redisUrl: string | undefined,
  prefix: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
) {
  const text = redisUrl ?? env.HOOKGATE_REDIS_URL;
  if (text === undefined) throw new UsageError('--redis redis://host:6379 is required (or HOOKGATE_REDIS_URL)');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('--redis must be a URL like redis://localhost:6379');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new UsageError('--redis must be a redis:// or rediss:// URL');
  const client = new Redis(text, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => (times > 3 ? null : 200),
  });
  // The connection's own error says why (ECONNREFUSED); connect() only says it closed.
  let lastError: { code?: string } | undefined;
  client.on('error', (error: Error) => {
    lastError = error as { code?: string };
  });
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const reason = lastError?.code ?? (error as { code?: string }).code ?? 'connection failed';
    throw new CommandError(`cannot reach Redis at ${where(url)} (${reason})`);
  }
  const log = new RedisDeliveryLog({ client, prefix: prefix ?? 'hookgate:', commandTimeoutMs: 5000 });
  return { log, close: () => client.disconnect() };
}
