import { createHash } from 'node:crypto';

/**
 * Every Lua script the store runs, in one place. Each acts on keys of one
 * hash slot only (Cluster safe) and is one round trip: run by EVALSHA, and by
 * EVAL (which also caches it) when Redis answers NOSCRIPT.
 *
 * Values of a dedupe key:
 *   `c:<token>`  claimed by the owner of <token>; expires with the lease
 *   `d`          processed; expires with the dedupe window
 * The `c:` prefix keeps a caller-supplied token from ever matching `d`.
 */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;
  readonly keys: number;
}

function script(name: string, keys: number, source: string): Script {
  const text = source.trim();
  return { name, keys, source: text, sha1: createHash('sha1').update(text).digest('hex') };
}

/** Reply codes of CLAIM, the first element of its array reply. */
export const CLAIM_REPLY = { claimed: 0, inFlight: 1, done: 2 } as const;

/**
 * CLAIM  KEYS[1] = dedupe key   ARGV[1] = `c:<token>`   ARGV[2] = lease ms
 * Returns {0} when claimed; else {1, pttl} (someone holds the lease) or {2, pttl} (done).
 * SET NX PX, and on failure the current state read in the same step.
 */
export const CLAIM = script(
  'claim',
  1,
  `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {0}
end
local value = redis.call('GET', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if value == 'd' then
  return {2, ttl}
end
return {1, ttl}
`,
);

/**
 * COMPLETE  KEYS[1] = dedupe key   ARGV[1] = `c:<token>`   ARGV[2] = window ms
 * Returns 1 when nobody else holds the key (the token's claim, or no key: the
 * lease ran out and no one claimed it since) and it is now done; 0 when another
 * owner holds a live claim or the key is already done (left as it is).
 */
export const COMPLETE = script(
  'complete',
  1,
  `
local value = redis.call('GET', KEYS[1])
if value == false or value == ARGV[1] then
  redis.call('SET', KEYS[1], 'd', 'PX', ARGV[2])
  return 1
end
return 0
`,
);

/**
 * RENEW  KEYS[1] = dedupe key   ARGV[1] = `c:<token>`   ARGV[2] = lease ms
 * Returns 1 when nobody else holds the key and the token's claim now ends
 * ARGV[2] ms from now (taken again when its lease had run out); 0 when another
 * owner holds a live claim or the key is done.
 */
export const RENEW = script(
  'renew',
  1,
  `
local value = redis.call('GET', KEYS[1])
if value == false or value == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`,
);

/**
 * RELEASE  KEYS[1] = dedupe key   ARGV[1] = `c:<token>`
 * Returns 1 when the token owned the claim and it is now forgotten, else 0.
 */
export const RELEASE = script(
  'release',
  1,
  `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`,
);

/**
 * Ordering cursors: `<prefix>order:{<ordering key>}` holds the last sequence
 * processed, as the decimal text JavaScript's String(number) writes. Every
 * change is published on the channel ARGV[4] as `<cursor>:<ordering key>`,
 * so held events in every process wake at once.
 *
 * ADVANCE  KEYS[1] = cursor key   ARGV[1] = expected ('' = no cursor)   ARGV[2] = next
 *          ARGV[3] = ttl ms   ARGV[4] = channel   ARGV[5] = ordering key
 * Returns 1 when the cursor equalled ARGV[1] and is now ARGV[2], else 0.
 */
export const ADVANCE = script(
  'advance',
  1,
  `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('PUBLISH', ARGV[4], ARGV[2] .. ':' .. ARGV[5])
  return 1
end
return 0
`,
);

/**
 * RAISE  KEYS[1] = cursor key   ARGV[1] = next   ARGV[2] = ttl ms   ARGV[3] = channel   ARGV[4] = ordering key
 * Returns {1, previous or ''} when the cursor was absent or lower and is now ARGV[1]; else {0, current}.
 */
export const RAISE = script(
  'raise',
  1,
  `
local current = redis.call('GET', KEYS[1])
if current == false or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  redis.call('PUBLISH', ARGV[3], ARGV[1] .. ':' .. ARGV[4])
  return {1, current or ''}
end
return {0, current}
`,
);

export const SCRIPTS = [CLAIM, COMPLETE, RENEW, RELEASE, ADVANCE, RAISE] as const;
