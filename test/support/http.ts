/**
 * Real HTTP clients for tests: fetch, node:http with header names kept as
 * given, and raw sockets for bodies that stop, stall or dribble.
 */
import http, { Agent } from 'node:http';
import net from 'node:net';
import { LOOPBACK } from './net.js';
import { sleep } from './time.js';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** A real fetch (undici) POST. */
export async function post(url: string, headers: Record<string, string>, body: string | Buffer): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}

/**
 * A node:http POST that keeps header names exactly as given on the wire, and
 * sends `chunks` one write at a time (chunked unless a content-length is given).
 */
export function postRaw(url: string, headers: Record<string, string>, chunks: readonly Buffer[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: Object.fromEntries(
            Object.entries(response.headers).map(([name, value]) => [name, String(value)] as const),
          ),
          text: Buffer.concat(parts).toString('utf8'),
        }),
      );
    });
    request.on('error', reject);
    for (const chunk of chunks) request.write(chunk);
    request.end();
  });
}

/**
 * Streams `total` bytes in chunks, with backpressure, until the server answers.
 * Returns the answer and how many bytes had been handed to the socket by then.
 */
export function streamUntilAnswered(
  url: string,
  headers: Record<string, string>,
  total: number,
  chunkSize = 16 * 1024,
): Promise<{ answer: Answer; sentBeforeAnswer: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      answered = true;
      const sentBeforeAnswer = sent;
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => {
        request.destroy();
        resolve({
          answer: {
            status: response.statusCode ?? 0,
            headers: Object.fromEntries(Object.entries(response.headers).map(([n, v]) => [n, String(v)] as const)),
            text: Buffer.concat(parts).toString('utf8'),
          },
          sentBeforeAnswer,
        });
      });
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(chunkSize, 0x61);
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}

/** A socket to the url's server, and the head of a POST /webhooks promising `declaredLength` bytes. */
async function openRawPost(
  url: string,
  headers: Record<string, string>,
  declaredLength: number,
): Promise<{ socket: net.Socket; head: string }> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const head = [
    'POST /webhooks HTTP/1.1',
    `Host: ${hostname}:${port}`,
    `Content-Length: ${declaredLength}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    '',
    '',
  ].join('\r\n');
  return { socket, head };
}

/**
 * Sends a request head promising `declaredLength` bytes, then only `body`,
 * then half-closes (`end`) or resets (`destroy`) the connection.
 */
export async function sendTruncated(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  declaredLength: number,
  how: 'end' | 'destroy',
): Promise<void> {
  const { socket, head } = await openRawPost(url, headers, declaredLength);
  await new Promise<void>((resolve) => socket.write(Buffer.concat([Buffer.from(head), body]), () => resolve()));
  // Let the server start reading the body before the client goes away.
  await sleep(30);
  if (how === 'end') socket.end();
  else socket.destroy();
  // After a half-close the server may keep its side open; the test only needs our side gone.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, 500);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Sends a request head promising `declaredLength` bytes, then one byte every
 * `everyMs`, until the server answers or closes. Returns the status line's
 * code (0 when the server closed without answering) and the answer's body.
 */
export async function sendDribbled(
  url: string,
  headers: Record<string, string>,
  declaredLength: number,
  everyMs: number,
): Promise<{ status: number; text: string; bytesSent: number }> {
  const { socket, head } = await openRawPost(url, headers, declaredLength);
  socket.write(head);
  let bytesSent = 0;
  const timer = setInterval(() => {
    if (bytesSent < declaredLength - 1 && socket.writable) {
      socket.write('{');
      bytesSent++;
    }
  }, everyMs);
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  await new Promise<void>((resolve) => {
    // The answer is complete once its Content-Length worth of body (or its last chunk) is in; or the server closed.
    const check = () => {
      const text = Buffer.concat(received).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return;
      const length = /content-length: *(\d+)/i.exec(text.slice(0, split))?.[1];
      if (length !== undefined ? text.length - split - 4 >= Number(length) : text.endsWith('\r\n0\r\n\r\n')) resolve();
    };
    socket.on('data', check);
    socket.once('close', () => resolve());
  });
  clearInterval(timer);
  socket.destroy();
  const text = Buffer.concat(received).toString('utf8');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const split = text.indexOf('\r\n\r\n');
  let body = text.slice(split + 4);
  if (/transfer-encoding: *chunked/i.test(text.slice(0, split))) {
    // Chunk sizes (hex) and their line breaks out; the chunks themselves joined.
    let chunks = '';
    for (let at = 0; ; ) {
      const end = body.indexOf('\r\n', at);
      const size = Number.parseInt(body.slice(at, end), 16);
      if (!(size > 0)) break;
      chunks += body.slice(end + 2, end + 2 + size);
      at = end + 2 + size + 2;
    }
    body = chunks;
  }
  return { status, text: body, bytesSent };
}

/** What a receiver process answered; status 0 when the connection failed or timed out (the sender would retry). */
export interface LoopbackAnswer {
  status: number;
  body: string;
}

/** Keep-alive sockets shared by every postWebhook of a test file, as a busy sender holds them. */
export const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * POSTs a JSON webhook to /webhooks on a loopback port. Never rejects: a dead
 * process or a request idle for `timeoutMs` answers status 0.
 */
export function postWebhook(
  port: number,
  delivery: { body: string; headers: Record<string, string> },
  options: { timeoutMs?: number; agent?: Agent } = {},
): Promise<LoopbackAnswer> {
  const { body, headers } = delivery;
  return new Promise((resolve) => {
    const failed = () => resolve({ status: 0, body: '' });
    const req = http.request(
      {
        host: LOOPBACK,
        port,
        method: 'POST',
        path: '/webhooks',
        agent: options.agent ?? keepAliveAgent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: options.timeoutMs ?? 15_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', failed);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', failed);
    req.end(body);
  });
}
