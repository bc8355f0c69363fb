// Bun: `bun test/runtimes/serve-bun.ts` listens on a free loopback port and prints it.
import { createApp } from './app.js';

declare const Bun: {
  serve(options: { port: number; hostname: string; fetch: (request: Request) => Promise<Response> }): { port: number };
};

const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: createApp() });
console.log(`Listening on http://127.0.0.1:${server.port}`);
