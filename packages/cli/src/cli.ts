import { processIO, runCli } from './main.js';

runCli(process.argv.slice(2), processIO()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`hookgate: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
