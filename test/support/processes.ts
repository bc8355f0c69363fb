/**
 * Receivers and workers in child processes of their own: real processes a
 * test can SIGKILL, started from their TypeScript sources through tsx.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { LOOPBACK } from './net.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;

export interface ChildReceiver {
  child: ChildProcess;
  /** The port it listens on (0 for a process that serves no HTTP, such as a worker). */
  port: number;
}

/** Every child spawned by this test file, ready or not, so none outlives it. */
const children: ChildProcess[] = [];

/**
 * Runs `file` (a TypeScript fixture) in a new Node process with `env` added to
 * this one's, and resolves once it sends `{ type: 'ready', port? }` over IPC.
 * Rejects if it exits first or is not ready within `timeoutMs`.
 */
export function spawnReceiver(
  file: string,
  env: Record<string, string>,
  options: { name?: string; timeoutMs?: number } = {},
): Promise<ChildReceiver> {
  const name = options.name ?? file;
  const child = spawn(process.execPath, ['--conditions=@hookgate/source', '--import', TSX, file], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), options.timeoutMs ?? 20_000);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({ child, port: message.port ?? 0 });
      }
    });
  });
}

/** SIGKILLs every child spawnReceiver started that is still running. */
export function killAllChildren(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

/** The child's side of spawnReceiver: listens on a free loopback port, then tells the parent `{ type: 'ready', port }`. */
export function listenAndReportReady(server: Server): void {
  server.listen(0, LOOPBACK, () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    process.send?.({ type: 'ready', port: address.port });
  });
}
