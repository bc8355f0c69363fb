/**
 * The hookgate demo: a receiver on a local port (Standard Webhooks, in-memory
 * dedupe, mounted with toNodeHandler) and a sender that plays what real senders
 * do: retries, duplicates, a tampered body, a replayed old delivery, a rotated
 * secret, a failing handler and shuffled updates. One line per delivery: what
 * was sent, the status, what the handler saw.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createReceiver, type DeliveryLog, MemoryDeliveryLog, standardWebhooks, toNodeHandler } from '@hookgate/core';
import { signStandardWebhooks } from '@hookgate/core/testing';
import { z } from 'zod';

const CURRENT_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PREVIOUS_SECRET = 'whsec_cHJldmlvdXMtc2VjcmV0LWJlaW5nLXJvdGF0ZWQ=';

export interface DemoLine {
  step: string;
  status: number;
  result: string;
  handlerSaw: string;
}

/** One aligned line: the step's number right-aligned, the arrow and the result in fixed columns. */
function format(number: number, step: string, status: string, result: string, handlerSaw: string): string {
  const label = `${String(number).padStart(2)}. ${step}`;
  return `${label.padEnd(50)} → ${status} ${result.padEnd(26)}${handlerSaw ? ` handler: ${handlerSaw}` : ''}`.trimEnd();
}

export async function runDemo(print: (line: string) => void = console.log): Promise<DemoLine[]> {
  // What the handler saw for the delivery in flight, reported on its line.
  let handlerSaw: string[] = [];
  let failNextInvoice = false;
  const customerUpdates: number[] = [];

  const receiver = createReceiver({
    // Rotation: the sender may still sign with the previous secret for a while.
    scheme: standardWebhooks({ secrets: [CURRENT_SECRET, PREVIOUS_SECRET] }),
    events: {
      'invoice.paid': z.object({
        type: z.literal('invoice.paid'),
        data: z.object({ id: z.string(), amount: z.number() }),
      }),
      'customer.updated': z.object({
        type: z.literal('customer.updated'),
        data: z.object({ customer: z.string(), seq: z.number().int(), plan: z.string() }),
      }),
    },
    // Each customer's updates run in sequence order, whatever order they arrive in.
    order: {
      key: (event) => (event.type === 'customer.updated' ? event.data.customer : undefined),
      sequence: (event) => (event.type === 'customer.updated' ? event.data.seq : undefined),
      start: 1,
      holdMs: 2_000,
    },
  });
  receiver.on('customer.updated', (event) => {
    customerUpdates.push(event.data.seq);
    handlerSaw.push(`customer.updated seq=${event.data.seq} plan=${event.data.plan}`);
  });
  receiver.on('invoice.paid', async (event) => {
    const { data } = event;
    if (failNextInvoice) {
      failNextInvoice = false;
      handlerSaw.push(`invoice.paid ${data.id} → threw "database timeout"`);
      throw new Error('database timeout');
    }
    handlerSaw.push(`invoice.paid ${data.id} amount=${data.amount}`);
  });
  receiver.onAny((_event, ctx) => {
    if (ctx.type !== 'invoice.paid' && ctx.type !== 'customer.updated') handlerSaw.push(`${ctx.type} (onAny)`);
  });

  // The recommended path on node:http: toNodeHandler reads the raw body (with the size limit) and writes the answer.
  const server = createServer(toNodeHandler(receiver));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  print(`hookgate demo: receiver on ${url} (Standard Webhooks, in-memory dedupe)`);
  print('the code: examples/demo/demo.ts\n');

  const lines: DemoLine[] = [];
  let number = 0;
  const send = async (step: string, headers: Record<string, string>, body: string) => {
    handlerSaw = [];
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    const text = await response.text();
    const parsed = JSON.parse(text) as { status?: string; error?: { code: string } };
    const line = {
      step,
      status: response.status,
      result: parsed.status ?? parsed.error?.code ?? text,
      handlerSaw: handlerSaw.join('; ') || '(not called)',
    };
    lines.push(line);
    print(format(++number, step, String(line.status), line.result, line.handlerSaw));
    return line;
  };

  const invoice = (id: string, amount: number) => JSON.stringify({ type: 'invoice.paid', data: { id, amount } });
  const now = Math.floor(Date.now() / 1000);

  try {
    const first = invoice('in_1001', 4200);
    const firstHeaders = signStandardWebhooks({ secret: CURRENT_SECRET, id: 'msg_1', body: first });
    await send('invoice.paid msg_1', firstHeaders, first);
    await send('msg_1 again (the sender retried)', firstHeaders, first);

    const tampered = invoice('in_1001', 1);
    await send('msg_1 with the amount changed in transit', firstHeaders, tampered);

    const old = invoice('in_0999', 100);
    await send(
      'a replay signed an hour ago',
      signStandardWebhooks({ secret: CURRENT_SECRET, id: 'msg_0', body: old, timestamp: now - 3600 }),
      old,
    );

    const rotated = invoice('in_1002', 990);
    await send(
      'signed with the previous (rotated) secret',
      signStandardWebhooks({ secret: PREVIOUS_SECRET, id: 'msg_2', body: rotated }),
      rotated,
    );

    const other = JSON.stringify({ type: 'customer.created', data: { id: 'cus_7' } });
    await send(
      'an event type with no handler of its own',
      signStandardWebhooks({ secret: CURRENT_SECRET, id: 'msg_3', body: other }),
      other,
    );

    const flaky = invoice('in_1003', 1500);
    const flakyHeaders = signStandardWebhooks({ secret: CURRENT_SECRET, id: 'msg_4', body: flaky });
    failNextInvoice = true;
    await send('msg_4, and the handler fails', flakyHeaders, flaky);
    await send('msg_4 retried by the sender', flakyHeaders, flaky);
    await send('msg_4 once more', flakyHeaders, flaky);

    await send(
      'a forged delivery (wrong secret)',
      signStandardWebhooks({ secret: 'whsec_Zm9yZ2Vk', body: first }),
      first,
    );

    // The sender retried with backoff, so cus_42's updates arrive out of order, all at once.
    print('');
    const plans = ['starter', 'team', 'business', 'enterprise'];
    handlerSaw = [];
    const answers = await Promise.all(
      [3, 1, 4, 2].map(async (seq) => {
        const body = JSON.stringify({
          type: 'customer.updated',
          data: { customer: 'cus_42', seq, plan: plans[seq - 1] },
        });
        const headers = signStandardWebhooks({ secret: CURRENT_SECRET, id: `msg_upd_${seq}`, body });
        const response = await fetch(url, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body,
        });
        const parsed = (await response.json()) as { status?: string; error?: { code: string } };
        return { seq, status: response.status, result: parsed.status ?? parsed.error?.code ?? '' };
      }),
    );
    for (const { seq, status, result } of answers) {
      const step = `cus_42 update seq=${seq} (sent 3,1,4,2 at once)`;
      lines.push({ step, status, result, handlerSaw: '' });
      print(format(++number, step, String(status), result, ''));
    }
    print(`${'    the handler ran them in sequence order:'.padEnd(51)}  ${handlerSaw.join('; ')}`);
    lines.push({
      step: 'handler order',
      status: 0,
      result: customerUpdates.join(','),
      handlerSaw: handlerSaw.join('; '),
    });
  } finally {
    await receiver.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return lines;
}

/**
 * `pnpm demo --serve`: the demo's receiver stays up (port 3000, or PORT) for the
 * `hookgate` CLI to send to. With HOOKGATE_REDIS_URL it logs every delivery to
 * Redis (failed ones with their bytes), for `hookgate log`, `replay` and `inspect`.
 */
export async function serveDemo(
  options: { port?: number; log?: DeliveryLog; print?: (line: string) => void } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const print = options.print ?? console.log;
  const receiver = createReceiver({
    scheme: standardWebhooks({ secret: CURRENT_SECRET }),
    log: { store: options.log ?? new MemoryDeliveryLog(), capture: 'failed' },
  });
  receiver.onAny((event, ctx) => {
    print(
      `handler: ${ctx.type ?? '(no type)'} ${ctx.id ?? ''}${ctx.replay ? ' (replay)' : ''} ${JSON.stringify(event)}`,
    );
  });
  const server = createServer(toNodeHandler(receiver));
  await new Promise<void>((resolve) => server.listen(options.port ?? 3000, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
  print(`hookgate demo receiver on ${url} (Standard Webhooks). In another terminal:\n`);
  print(`  echo '{"type":"invoice.paid","data":{"id":"in_7","amount":700}}' |`);
  print(`    HOOKGATE_SECRET=${CURRENT_SECRET} pnpm hookgate send ${url} --scheme standard-webhooks --duplicate 5\n`);
  return {
    url,
    close: async () => {
      await receiver.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function redisLog(url: string | undefined): Promise<DeliveryLog | undefined> {
  if (!url) return undefined;
  const [{ RedisDeliveryLog }, { Redis }] = await Promise.all([import('@hookgate/redis'), import('ioredis')]);
  return new RedisDeliveryLog({ client: new Redis(url) });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href && process.argv.includes('--serve')) {
  redisLog(process.env.HOOKGATE_REDIS_URL)
    .then((log) => serveDemo({ port: Number(process.env.PORT ?? 3000), ...(log ? { log } : {}) }))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runDemo().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
