import { type CliIO, runCli } from '@hookgate/cli';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's lines parsed as JSON (for --json). */
  json(): Record<string, unknown>[];
}

/** Runs the CLI in this process with captured streams. */
export async function cli(
  argv: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => Buffer.from(options.stdin ?? '', 'utf8'),
    stdinIsTTY: options.stdin === undefined,
    stderrIsTTY: false,
    env: options.env ?? {},
  };
  const code = await runCli(argv, io);
  return {
    code,
    stdout,
    stderr,
    json: () =>
      stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
