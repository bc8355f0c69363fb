#!/usr/bin/env node
/**
 * hookgate-bullmq: the dead-letter state from a shell.
 *
 *   hookgate-bullmq dead-letters --queue webhooks [--redis redis://127.0.0.1:6379] [--prefix bull] [--limit 100]
 *   hookgate-bullmq redrive --queue webhooks [--redis URL] [--prefix bull] [--id JOB_ID ...]
 *
 * Lists print one JSON object per dead letter (id, key, type, attempts, failure,
 * failedAt): never a payload. Redrive puts them (all, or the --id ones) back with fresh attempts.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { BullMQQueue } from './bullmq-queue.js';

const USAGE = `usage:
  hookgate-bullmq dead-letters --queue NAME [--redis URL] [--prefix PREFIX] [--limit N]
  hookgate-bullmq redrive --queue NAME [--redis URL] [--prefix PREFIX] [--id JOB_ID ...]`;

export async function main(argv: readonly string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      queue: { type: 'string' },
      redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      prefix: { type: 'string' },
      limit: { type: 'string', default: '100' },
      id: { type: 'string', multiple: true },
    },
  });
  const command = positionals[0];
  if ((command !== 'dead-letters' && command !== 'redrive') || !values.queue) {
    print(USAGE);
    return 2;
  }
  const connection = new Redis(values.redis, { maxRetriesPerRequest: 1 });
  const queue = new BullMQQueue({
    name: values.queue,
    connection,
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
  });
  try {
    if (command === 'dead-letters') {
      for (const letter of await queue.deadLetters({ limit: Number(values.limit) })) print(JSON.stringify(letter));
    } else {
      print(`redriven: ${await queue.redrive(values.id)}`);
    }
    return 0;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

const invoked = process.argv[1] ?? '';
if (/hookgate-bullmq|cli\.[cm]?[jt]s$/.test(invoked)) {
  main(process.argv.slice(2), (line) => console.log(line)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`hookgate-bullmq: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
