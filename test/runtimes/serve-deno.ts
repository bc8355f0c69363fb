// Deno: `deno run --allow-net=127.0.0.1 test/runtimes/serve-deno.ts` listens on a free loopback port and prints it.
import { createApp } from './app.js';

declare const Deno: {
  serve(
    options: { port: number; hostname: string; onListen: (address: { port: number }) => void },
    handler: (request: Request) => Promise<Response>,
  ): unknown;
};

Deno.serve(
  {
    port: 0,
    hostname: '127.0.0.1',
    onListen: ({ port }) => console.log(`Listening on http://127.0.0.1:${port}`),
  },
  createApp(),
);
