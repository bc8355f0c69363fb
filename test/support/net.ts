import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';

/** Every test server and client binds here: nothing leaves the machine. */
export const LOOPBACK = '127.0.0.1';

/** A TCP port nothing listens on right now (the OS picks it; a test may still lose a race for it). */
export async function freePort(host = LOOPBACK): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Listening {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Stops the server, ending kept-alive connections too, so the test does not wait on idle sockets. */
  close(): Promise<void>;
}

/** Starts an HTTP server on a free loopback port. */
export async function listenOnLoopback(server: HttpServer): Promise<Listening> {
  server.listen(0, LOOPBACK);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
