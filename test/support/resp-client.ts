/**
 * A minimal RESP2 client over node:net, to prove RedisStore works with a bare
 * `sendCommand(args)` function and no Redis library at all. Pipelined: replies
 * come back in the order commands were written.
 */
import { connect, type Socket } from 'node:net';

type Reply = string | number | null | Reply[] | Error;

class RespError extends Error {
  override readonly name = 'ReplyError';
}

export class RespClient {
  readonly #socket: Socket;
  readonly #waiting: { resolve: (reply: unknown) => void; reject: (error: Error) => void }[] = [];
  #buffer = Buffer.alloc(0);

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', (error) => this.#failAll(error));
    socket.on('close', () => this.#failAll(new Error('connection closed')));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new RespClient(socket)));
      socket.once('error', reject);
    });
  }

  sendCommand = (args: string[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      let frame = `*${args.length}\r\n`;
      for (const arg of args) frame += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
      this.#waiting.push({ resolve, reject });
      this.#socket.write(frame);
    });

  close(): void {
    this.#socket.destroy();
  }

  #failAll(error: Error): void {
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
  }

  #onData(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const parsed = parse(this.#buffer, 0);
      if (parsed === undefined) return;
      this.#buffer = this.#buffer.subarray(parsed.end);
      const waiter = this.#waiting.shift();
      if (!waiter) continue;
      if (parsed.reply instanceof Error) waiter.reject(parsed.reply);
      else waiter.resolve(parsed.reply);
    }
  }
}

/** One reply from `offset`, or undefined when the buffer does not hold all of it yet. */
function parse(buffer: Buffer, offset: number): { reply: Reply; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { reply: line, end: next };
    case '-':
      return { reply: new RespError(line), end: next };
    case ':':
      return { reply: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length === -1) return { reply: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count === -1) return { reply: null, end: next };
      const items: Reply[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, position);
        if (item === undefined) return undefined;
        items.push(item.reply);
        position = item.end;
      }
      return { reply: items, end: position };
    }
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}
