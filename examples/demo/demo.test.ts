import { expect, test } from 'vitest';
import { runDemo, serveDemo } from './demo.js';

test('the demo plays every case with the statuses the README promises', async () => {
  const lines = await runDemo(() => {});
  expect(lines.map((line) => [line.status, line.result])).toEqual([
    [200, 'processed'],
    [200, 'duplicate'],
    [401, 'invalid_signature'],
    [401, 'timestamp_outside_window'],
    [200, 'processed'],
    [200, 'processed'],
    [500, 'handler_failed'],
    [200, 'processed'],
    [200, 'duplicate'],
    [401, 'invalid_signature'],
    [200, 'processed'],
    [200, 'processed'],
    [200, 'processed'],
    [200, 'processed'],
    [0, '1,2,3,4'],
  ]);
  expect(lines[0]?.handlerSaw).toBe('invoice.paid in_1001 amount=4200');
  expect(lines[1]?.handlerSaw).toBe('(not called)');
  expect(lines[5]?.handlerSaw).toBe('customer.created (onAny)');
});

test("the README's CLI command against `pnpm demo --serve`: one processed, four duplicates", async () => {
  const { runCli } = await import('@hookgate/cli');
  const printed: string[] = [];
  const demo = await serveDemo({ port: 0, print: (line) => printed.push(line) });
  try {
    const command = printed.find((line) => line.includes('hookgate send')) ?? '';
    const argv = command.trim().split(/\s+/).slice(command.trim().split(/\s+/).indexOf('send'));
    let stdout = '';
    const code = await runCli(argv, {
      stdout: (text) => {
        stdout += text;
      },
      stderr: (text) => {
        stdout += text;
      },
      readStdin: async () => Buffer.from('{"type":"invoice.paid","data":{"id":"in_7","amount":700}}'),
      stdinIsTTY: false,
      stderrIsTTY: false,
      env: { HOOKGATE_SECRET: /HOOKGATE_SECRET=(\S+)/.exec(printed.join('\n'))?.[1] ?? '' },
    });
    expect(stdout).toMatch(/5 deliveries in \d+ ms: 1 processed, 4 duplicate — all as expected/);
    expect(code).toBe(0);
  } finally {
    await demo.close();
  }
});
