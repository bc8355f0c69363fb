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

/**
 * The delivery log (RedisDeliveryLog). All its keys share the hash tag `{log}`, so
 * one script may touch them together; keys computed inside the script carry it too.
 *
 *   <prefix>log:{log}:index          every entry key (sorted set, all scores 0: ordered by key = by time)
 *   <prefix>log:{log}:o:<outcome>    the entry keys of one outcome
 *   <prefix>log:{log}:e:<entry key>  the entry's metadata (JSON), PX retention
 *   <prefix>log:{log}:c:<entry key>  its capture (JSON, body in base64), PX retention
 *   <prefix>log:{log}:a:<dedupe key> how many entries that dedupe key has had, PX retention
 *
 * LOG_APPEND  KEYS = index, outcome index, entry, capture, attempts
 *   ARGV[1] = entry key   ARGV[2] = metadata JSON without its closing brace   ARGV[3] = capture JSON or ''
 *   ARGV[4] = retention ms   ARGV[5] = the oldest entry key kept (by time)   ARGV[6] = most entries kept
 *   ARGV[7] = '1' when the entry has a dedupe key   ARGV[8] = the key base `<prefix>log:{log}:`
 * Adds the entry, counts its attempt, trims both indexes by time and by size (at most 100 a call),
 * and deletes what the size trim dropped. Returns the entry's attempts (0 without a dedupe key).
 */
export const LOG_APPEND = script(
  'log-append',
  5,
  `
local attempts = 0
local tail = '}'
if ARGV[7] == '1' then
  attempts = redis.call('INCR', KEYS[5])
  redis.call('PEXPIRE', KEYS[5], ARGV[4])
  tail = ',"attempts":' .. attempts .. '}'
end
redis.call('SET', KEYS[3], ARGV[2] .. tail, 'PX', ARGV[4])
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4])
end
local max = tonumber(ARGV[6])
for i = 1, 2 do
  redis.call('ZADD', KEYS[i], 0, ARGV[1])
  redis.call('ZREMRANGEBYLEX', KEYS[i], '-', '(' .. ARGV[5])
  redis.call('PEXPIRE', KEYS[i], ARGV[4])
  local over = redis.call('ZCARD', KEYS[i]) - max
  if over > 0 then
    local gone = redis.call('ZPOPMIN', KEYS[i], math.min(over, 100))
    if i == 1 then
      for j = 1, #gone, 2 do
        redis.call('DEL', ARGV[8] .. 'e:' .. gone[j], ARGV[8] .. 'c:' .. gone[j])
      end
    end
  end
end
return attempts
`,
);
