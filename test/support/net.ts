import { createServer } from 'node:net';

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
