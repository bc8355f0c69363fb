import { inspectCommand } from './inspect.js';
import { logCommand } from './log.js';
import { replayCommand } from './replay.js';
import { sendCommand, signCommand } from './send.js';
import { type CliIO, CommandError, UsageError } from './usage.js';
import { verifyCommand } from './verify.js';

const SCHEME_HELP = `Schemes: standard-webhooks, svix, stripe, github, slack, shopify, hmac, token
  --scheme NAME          the sender's signing scheme
  --secret S             the signing secret (or HOOKGATE_SECRET, which stays out of your shell history)
  hmac:  --header NAME [--algorithm sha256] [--encoding hex|base64|base64url] [--prefix sha256=]
         [--signed-content '{timestamp}.{body}'] [--timestamp-header NAME] [--id-header NAME] [--type-header NAME]
  token: --header NAME [--id-header NAME] [--type-header NAME]`;

export const HELP: Record<string, string> = {
  main: `hookgate — sign, send, inspect and replay webhooks

Usage: hookgate <command> [options]

Commands:
  sign      print the headers a sender would sign a body with
  send      POST signed deliveries to a receiver: duplicates, shuffled sequences, forgeries, stale ones
  log       list and show the delivery log in Redis
  replay    send a captured delivery again, re-signed if asked
  verify    check a captured request against a secret and say why it fails
  inspect   a local web page over the delivery log, with a replay button

Try it against the demo receiver (pnpm demo prints its URL):
  echo '{"type":"invoice.paid","data":{"id":"in_1","amount":100}}' |
    HOOKGATE_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw hookgate send http://127.0.0.1:3000/webhooks --scheme standard-webhooks --duplicate 5

Run hookgate <command> --help for a command's options and examples.`,
  sign: `Usage: hookgate sign --scheme NAME --secret S [--file body.json | --data JSON | < body.json]

Prints the signature headers for the body, one "name: value" a line (--json: {headers, body}).
  --id ID            the delivery id (schemes that carry it in a header)
  --type T           the event (github: x-github-event; shopify: x-shopify-topic)
  --timestamp SECS   sign as of this time (default now)

${SCHEME_HELP}

Examples:
  hookgate sign --scheme github --secret "$SECRET" --type issues --file issue.json
  curl -X POST localhost:3000/webhooks $(hookgate sign --scheme stripe --file evt.json | sed 's/^/-H /')`,
  send: `Usage: hookgate send URL --scheme NAME --secret S [--file body.json | --data JSON | < body.json] [options]

POSTs correctly signed deliveries and prints one line each (status, outcome, time) and a summary.
A JSON array is a sequence: each element is one delivery, sent in order (or shuffled).
  --duplicate N      send each delivery N times at once (expected: one processed, the rest duplicates)
  --shuffle          send the sequence out of order, all at once (for ordering)
  --tamper           change the body after signing (expected: 401)
  --stale            sign an hour in the past (expected: 401)
  --count N          send it N times, each with a delivery id of its own
  --concurrency N    at most N requests in flight (default 10)
  --expect LIST      the statuses that count as expected, e.g. 200,409 (default 2xx; 401 with --tamper/--stale)
  --type T, --id ID, --timestamp SECS, -H "name: value", --raw (send the bytes as one body), --json, --progress
Exits 1 when any delivery got an unexpected status.

${SCHEME_HELP}

Examples:
  hookgate send http://localhost:3000/webhooks --scheme github --type issues --file issue.json --duplicate 5
  hookgate send http://localhost:3000/webhooks --scheme stripe --file updates.json --shuffle
  hookgate send http://localhost:3000/webhooks --scheme slack --data '{"type":"event_callback"}' --tamper`,
  log: `Usage: hookgate log list [filters] --redis URL
       hookgate log show KEY --redis URL

list: newest first. Filters: --outcome failed[,unavailable…] --scheme S --type T --id DELIVERY_ID
      --since 2h|ISO --until ISO --limit N (default 20) --cursor C (from the previous page)
show: the delivery's metadata, its captured headers and its body.
  --redis URL        redis://[:password@]host:6379[/db] (or HOOKGATE_REDIS_URL)
  --prefix P         the key prefix the receiver's RedisDeliveryLog uses (default hookgate:)
  --json             machine-readable output

Examples:
  hookgate log list --redis redis://localhost:6379 --outcome failed --since 1h
  hookgate log show 0mhx2k1c3-0001a2b3c4d5 --redis redis://localhost:6379`,
  replay: `Usage: hookgate replay KEY --redis URL --to URL [--resign --scheme NAME --secret S]

Sends a captured delivery again: its exact bytes and captured headers. Signatures are never stored, so a
receiver that verifies needs --resign: signed afresh with a new timestamp and the same delivery id (dedupe
then decides: a delivery processed since is a duplicate). In-process, receiver.replay(key) runs it without HTTP.

Examples:
  hookgate replay 0mhx2k1c3-0001a2b3c4d5 --redis redis://localhost:6379 --to http://localhost:3000/webhooks \\
    --resign --scheme github --secret "$GITHUB_WEBHOOK_SECRET"`,
  verify: `Usage: hookgate verify --file request.json --scheme NAME --secret S [--secret S2 …] [--label current --label previous]

Checks a captured request ({"headers": {…}, "body": "…"}, "bodyEncoding": "base64" for bytes) and says
why it fails: a missing or malformed header, the signed timestamp outside the window, or no secret
matching. Secrets are never printed; --label names them (default #1, #2…).
  --tolerance SECS   the window, each way (default 300)
  --now TIME         check the window as of this time (ISO or epoch ms)
  --json             machine-readable output

Example:
  hookgate verify --file req.json --scheme stripe --secret "$OLD" --secret "$NEW" --label old --label new`,
  inspect: `Usage: hookgate inspect --redis URL [--port 4870] [--to URL [--resign --scheme NAME --secret S]]

Serves a local page over the delivery log: filter by outcome, scheme and type; open a delivery to see its
metadata, headers and body; replay it (to --to, after a confirmation). Loopback only unless --host and
--allow-remote say otherwise (the page has no login). Ctrl-C stops it.

Example:
  hookgate inspect --redis redis://localhost:6379 --to http://localhost:3000/webhooks --resign --scheme github`,
};

const COMMANDS: Record<string, (args: string[], io: CliIO) => Promise<number>> = {
  sign: signCommand,
  send: sendCommand,
  log: logCommand,
  replay: replayCommand,
  verify: verifyCommand,
  inspect: inspectCommand,
};

/** Runs one command line. Errors are one line on stderr: exit 2 for usage, 1 for failures. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    const topic = command === 'help' ? args[0] : undefined;
    io.stdout(`${HELP[topic && HELP[topic] ? topic : 'main']}\n`);
    return 0;
  }
  if (command === '--version' || command === '-v') {
    io.stdout('hookgate 0.1.0\n');
    return 0;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    io.stderr(`hookgate: unknown command "${command}" (try hookgate --help)\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${HELP[command]}\n`);
    return 0;
  }
  try {
    return await run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`hookgate ${command}: ${error.message} (see hookgate ${command} --help)\n`);
      return 2;
    }
    if (error instanceof CommandError) {
      io.stderr(`hookgate ${command}: ${error.message}\n`);
      return 1;
    }
    io.stderr(`hookgate ${command}: ${(error as Error).message?.split('\n')[0] ?? 'failed'}\n`);
    return 1;
  }
}

/** The real process's streams. */
export function processIO(): CliIO {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
    stdinIsTTY: process.stdin.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  };
}
