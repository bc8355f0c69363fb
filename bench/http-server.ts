/**
 * Child process for one HTTP row: builds the row's server on 127.0.0.1,
 * reports its port, and on request reports its own CPU time and the
 * requests it served between `start` and `stop`.
 */
import type { AddressInfo } from 'node:net';
import { SERVER_FACTORIES } from './http-rows.js';

const row = process.argv[2] ?? '';
const factory = SERVER_FACTORIES[row];
if (!factory) throw new Error(`unknown HTTP row ${row}`);
if (!process.send) throw new Error('http-server runs as a child process with an IPC channel');
const send = process.send.bind(process);

const server = await factory();
let served = 0;
server.on('request', () => {
  served++;
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  send({ type: 'listening', port: (server.address() as AddressInfo).port });
});

let cpuAtStart = process.cpuUsage();
let servedAtStart = 0;
process.on('message', (message: { type: string }) => {
  if (message.type === 'start') {
    cpuAtStart = process.cpuUsage();
    servedAtStart = served;
  } else if (message.type === 'stop') {
    const cpu = process.cpuUsage(cpuAtStart);
    send({ type: 'stopped', cpuMicros: cpu.user + cpu.system, requests: served - servedAtStart });
  } else if (message.type === 'exit') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
