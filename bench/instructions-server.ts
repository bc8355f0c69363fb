/**
 * One HTTP row's server for `bench/instructions.ts`, run under callgrind:
 * listens on the given port and exits once it has answered `total` requests,
 * so callgrind writes its counts.
 */
import { SERVER_FACTORIES } from './http-rows.js';

const [row = '', port = '0', total = '0'] = process.argv.slice(2);
const factory = SERVER_FACTORIES[row];
if (!factory) throw new Error(`unknown HTTP row ${row}`);
const server = await factory();
const limit = Number(total);
let answered = 0;
server.on('request', (_request, response) => {
  response.on('finish', () => {
    if (++answered === limit) {
      server.closeAllConnections();
      process.exit(0);
    }
  });
});
server.keepAliveTimeout = 600_000;
server.listen(Number(port), '127.0.0.1');
