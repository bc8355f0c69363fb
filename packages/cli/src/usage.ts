import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A mistake on the command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A command that ran but could not do its job (Redis down, an unknown key): one line, exit code 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}

/** Where a command reads and writes: the process's streams, or a test's. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The whole of standard input (for a body piped in). */
  readStdin(): Promise<Buffer>;
  /** Whether stdin is a terminal (nothing piped in). */
  stdinIsTTY: boolean;
  /** Whether stderr is a terminal (a progress bar makes sense). */
  stderrIsTTY: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** Stops a long-running command (`inspect`). */
  signal?: AbortSignal | undefined;
  /** Told the inspector's address once it listens. */
  onListening?: ((url: string) => void) | undefined;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type ParsedArgs<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;

/** node:util parseArgs, strict, with its errors as one usage line. */
export function parse<O extends Options>(args: string[], options: O): ParsedArgs<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as ParsedArgs<O>;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'bad arguments';
    throw new UsageError(
      message.replace(/\. To specify a positional argument.*$/, '').replace(/^Unknown option/, 'unknown option'),
    );
  }
}

export function integer(value: string | undefined, name: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min) throw new UsageError(`${name} must be an integer of at least ${min}`);
  return parsed;
}

/** A time on the command line: an ISO date, epoch ms, or a span back from now (90s, 15m, 2h, 7d). */
export function timeOption(value: string | undefined, name: string, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const span = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value);
  if (span) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
    return now - Number(span[1]) * unit;
  }
  if (/^\d{12,}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new UsageError(`${name} must be an ISO time, epoch ms, or a span like 15m, 2h, 7d`);
  return parsed;
}

/** The secret from --secret or HOOKGATE_SECRET (better: it stays out of the shell history). */
export function secretsOf(flag: string[] | undefined, env: CliIO['env'], required: boolean): string[] {
  const secrets = [...(flag ?? [])];
  if (secrets.length === 0 && env.HOOKGATE_SECRET) secrets.push(env.HOOKGATE_SECRET);
  if (required && secrets.length === 0) throw new UsageError('a secret is required: --secret or HOOKGATE_SECRET');
  if (secrets.some((secret) => secret === '')) throw new UsageError('a secret must not be empty');
  return secrets;
}
