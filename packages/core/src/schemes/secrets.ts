import {
  type HmacAlgorithm,
  type HmacKey,
  hmacKey,
  hmacMatches,
  type MessagePart,
  type SignatureEncoding,
} from '../crypto/index.js';
import { configError } from '../errors.js';
import type { MaybePromise, VerifiedSignature } from '../types.js';

/** When a secret may verify: a Date, an ISO 8601 text, or milliseconds since the epoch. */
export type SecretTime = Date | string | number;

/**
 * A secret with what rotation needs: a label to tell which secret matched (it is
 * returned by `verify` as `secretLabel`, never the secret), and the window in which
 * it verifies. Outside `notBefore`…`notAfter` it is as if it were not configured.
 */
export interface SecretEntry<S = string> {
  secret: S;
  /** Names the secret in `VerifiedSignature.secretLabel`, the handler's context and the delivery record. */
  label?: string;
  /** Verifies from this time on. */
  notBefore?: SecretTime;
  /** Verifies until this time: after it, a delivery signed with this secret is rejected 401. */
  notAfter?: SecretTime;
}

export type SecretInput<S = string> = S | SecretEntry<S>;

/** One secret or several (rotation): every scheme accepts either, plain or as a labelled, timed entry. */
export interface SecretOptions<S = string> {
  secret?: SecretInput<S> | undefined;
  secrets?: readonly SecretInput<S>[] | undefined;
  /** The clock `notBefore`/`notAfter` are judged by, in milliseconds. Default Date.now. */
  now?: (() => number) | undefined;
}

/** A configured secret, checked and with its window in epoch milliseconds. */
export interface Secret<S> {
  value: S;
  label: string | undefined;
  notBefore: number | undefined;
  notAfter: number | undefined;
}

function isEntry<S>(input: SecretInput<S>): input is SecretEntry<S> {
  return typeof input === 'object' && input !== null && !(input instanceof Uint8Array) && 'secret' in input;
}

function toTime(value: SecretTime | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw configError(`${what} is not a valid time`);
  return ms;
}

/**
 * What is wrong with a text secret as pasted, or undefined. Whitespace around a
 * secret is never part of one a sender issues: it comes from a file or an
 * environment variable read with its newline, and would make every delivery fail
 * 401 exactly like a forgery.
 */
function textSecretProblem(secret: string): string | undefined {
  if (secret.trim() === '') return 'is only whitespace';
  if (/[\r\n]$/.test(secret))
    return 'ends with a newline (read from a file or an env var with its line break?); trim it';
  if (secret.trim() !== secret) return 'has whitespace around it; trim it';
  return undefined;
}

/**
 * All configured secrets, checked; an empty or missing one is a configuration
 * error, never "accept all". `inspect` adds a scheme's own checks (a Stripe API
 * key given as a signing secret, say): it returns what is wrong, or undefined.
 */
export function collectSecrets<S extends string | Uint8Array>(
  options: SecretOptions<S>,
  scheme: string,
  inspect?: (secret: S) => string | undefined,
  /** Public keys (PEM text ends with a newline) skip the whitespace checks meant for pasted secrets. */
  textChecks = true,
): Secret<S>[] {
  const inputs = [...(options.secret === undefined ? [] : [options.secret]), ...(options.secrets ?? [])];
  if (inputs.length === 0) throw configError(`${scheme}: a secret is required (secret or secrets)`);
  return inputs.map((input, index) => {
    const entry: SecretEntry<S> = isEntry(input) ? input : { secret: input };
    const where = `${scheme}: secret ${inputs.length > 1 ? `#${index + 1} ` : ''}`;
    const value = entry.secret;
    if (value === undefined || value === null || (typeof value !== 'string' && !(value instanceof Uint8Array))) {
      throw configError(`${where}must be a string or bytes`);
    }
    if (value.length === 0) throw configError(`${scheme}: secrets must not be empty`);
    const problem =
      (textChecks && typeof value === 'string' ? textSecretProblem(value) : undefined) ?? inspect?.(value);
    if (problem !== undefined) throw configError(`${where}${problem}`);
    if (entry.label !== undefined && (typeof entry.label !== 'string' || entry.label === '')) {
      throw configError(`${where}label must be a non-empty string`);
    }
    const notBefore = toTime(entry.notBefore, `${where}notBefore`);
    const notAfter = toTime(entry.notAfter, `${where}notAfter`);
    if (notBefore !== undefined && notAfter !== undefined && notAfter <= notBefore) {
      throw configError(`${where}notAfter must be later than notBefore`);
    }
    return { value, label: entry.label, notBefore, notAfter };
  });
}

/** Which secret verified: its label, when it has one. */
export interface SecretMatch {
  secretLabel?: string;
}

const UNLABELLED: SecretMatch = Object.freeze({});

/**
 * Prepared keys with their labels and windows. With no window configured no
 * clock is read; with no label, all keys are tried in one call (the common case
 * costs what it did before rotation had labels).
 */
export class Keyring<K> {
  readonly #keys: readonly K[];
  readonly #secrets: readonly Secret<unknown>[];
  readonly #timed: boolean;
  readonly #labelled: boolean;
  readonly #now: () => number;

  constructor(secrets: readonly Secret<unknown>[], keys: readonly K[], now: (() => number) | undefined) {
    this.#secrets = secrets;
    this.#keys = keys;
    this.#timed = secrets.some((secret) => secret.notBefore !== undefined || secret.notAfter !== undefined);
    this.#labelled = secrets.some((secret) => secret.label !== undefined);
    this.#now = now ?? Date.now;
  }

  get size(): number {
    return this.#keys.length;
  }

  /**
   * Runs `matches(keys, a, b)` over the keys valid now; the label of the key that
   * matched, or undefined when none did. `matches` is made once per scheme and the
   * request's data passed as `a` and `b`, so the common case (no window, no label)
   * is one call with nothing allocated. With labels, keys are tried one at a time.
   * Synchronous whenever `matches` is (node:crypto); a promise only under Web Crypto.
   */
  match<A, B>(
    matches: (keys: readonly K[], a: A, b: B) => MaybePromise<boolean>,
    a: A,
    b: B,
  ): MaybePromise<SecretMatch | undefined> {
    if (!this.#timed && !this.#labelled) return unlabelled(matches(this.#keys, a, b));
    const now = this.#timed ? this.#now() : 0;
    const usable: K[] = [];
    const labels: (string | undefined)[] = [];
    for (let index = 0; index < this.#keys.length; index++) {
      const secret = this.#secrets[index] as Secret<unknown>;
      if (secret.notBefore !== undefined && now < secret.notBefore) continue;
      if (secret.notAfter !== undefined && now > secret.notAfter) continue;
      usable.push(this.#keys[index] as K);
      labels.push(secret.label);
    }
    if (usable.length === 0) return undefined;
    if (!this.#labelled) return unlabelled(matches(usable, a, b));
    const labelAt = (index: number): SecretMatch => {
      const label = labels[index];
      return label === undefined ? UNLABELLED : { secretLabel: label };
    };
    const tryFrom = (start: number): MaybePromise<SecretMatch | undefined> => {
      for (let index = start; index < usable.length; index++) {
        const result = matches([usable[index] as K], a, b);
        if (result === true) return labelAt(index);
        if (result instanceof Promise) return result.then((ok) => (ok ? labelAt(index) : tryFrom(index + 1)));
      }
      return undefined;
    };
    return tryFrom(0);
  }
}

function unlabelled(result: MaybePromise<boolean>): MaybePromise<SecretMatch | undefined> {
  if (result === true) return UNLABELLED;
  if (result === false) return undefined;
  return result.then((ok) => (ok ? UNLABELLED : undefined));
}

/** `next(value)`, after the value settles when it is a promise: synchronous code stays synchronous. */
export function andThen<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** What `verify` returns once a key matched: the signed id and timestamp, and the key's label. */
export function verifiedBy(
  matched: MaybePromise<SecretMatch | undefined>,
  id?: string,
  timestamp?: number,
): MaybePromise<VerifiedSignature | undefined> {
  if (matched instanceof Promise) return matched.then((settled) => verifiedBy(settled, id, timestamp));
  if (matched === undefined) return undefined;
  const label = matched.secretLabel;
  return label === undefined ? { id, timestamp } : { id, timestamp, secretLabel: label };
}

/** HMAC keys from secrets, with their labels and windows. `toBytes` turns a text secret into key bytes (UTF-8 by default). */
export function hmacKeyring<S extends string | Uint8Array>(
  secrets: readonly Secret<S>[],
  now: (() => number) | undefined,
  toBytes?: (secret: S) => string | Uint8Array,
): Keyring<HmacKey> {
  return new Keyring(
    secrets,
    secrets.map((secret) => hmacKey(toBytes ? toBytes(secret.value) : secret.value)),
    now,
  );
}

export type HmacMatcher = (
  keys: readonly HmacKey[],
  parts: readonly MessagePart[],
  candidates: readonly string[],
) => MaybePromise<boolean>;

/** A matcher for `Keyring.match`, made once per scheme: the HMAC in `algorithm`, written in `encoding`. */
export function hmacMatcher(algorithm: HmacAlgorithm, encoding: SignatureEncoding): HmacMatcher {
  return (keys, parts, candidates) => hmacMatches(algorithm, encoding, keys, parts, candidates);
}
