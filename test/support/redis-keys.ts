/**
 * Removing a run's keys from a shared Redis, over any client's send: for the
 * tests' RUN_PREFIX (test/support/redis.ts) and the benchmarks' own prefixes.
 * Nothing here imports vitest, so a benchmark may use it.
 */

/** Sends one command and resolves with its reply (ioredis' `call`, node-redis' `sendCommand`, a RespClient). */
export type Send = (args: string[]) => Promise<unknown>;

/** Deletes every key under `prefix`, a SCAN batch at a time (UNLINK: freed off Redis' main thread); how many went. */
export async function removeKeysUnder(send: Send, prefix: string): Promise<number> {
  // The prefix is matched literally: a glob character in it must not widen the match.
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = (await send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000'])) as [string, string[]];
    if (keys.length > 0) removed += Number(await send(['UNLINK', ...keys]));
    cursor = String(next);
  } while (cursor !== '0');
  return removed;
}

/** `removeKeysUnder` for a benchmark's clean-up: a failure is told on stderr, never thrown over the run's own outcome. */
export async function removeRunKeys(send: Send, prefix: string, who: string): Promise<void> {
  try {
    await removeKeysUnder(send, prefix);
  } catch (error) {
    process.stderr.write(`${who}: could not remove the keys under ${prefix} (${String(error)})\n`);
  }
}
