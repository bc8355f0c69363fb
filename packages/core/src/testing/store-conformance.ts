import { randomUUID } from 'node:crypto';
import type { DedupeStore } from '../stores/store.js';
import { sleep } from './sleep.js';

/** `test` from vitest, jest, node:test or mocha: `(name, fn, timeoutMs?)`. */
export type ConformanceTest = (name: string, fn: () => Promise<void>, timeoutMs?: number) => unknown;

/** Makes a store whose keys live under `prefix`; two prefixes must not see each other's keys. */
export type MakeStore = (options: { prefix: string }) => DedupeStore | Promise<DedupeStore>;

export interface StoreConformanceOptions {
  /** Lease used by the expiry tests; raise it for a store with coarse expiry. Default 60 ms. */
  shortMs?: number;
  /**
   * `false` declares a store without `renew` (optional in the contract): its renew
   * tests are replaced by one that checks it has none. Without `renew`, a handler
   * slower than `leaseMs` may run twice. Default true: the store must offer `renew`.
   */
  renew?: boolean;
}

class ConformanceError extends Error {
  override readonly name = 'StoreConformanceError';
}

function expect(condition: boolean, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

/**
 * The dedupe store contract, as tests. Any store (Redis, Postgres, DynamoDB…)
 * that passes these keeps hookgate's once-only promise.
 *
 *   import { test } from 'vitest';
 *   runStoreConformance(test, ({ prefix }) => new MyStore({ prefix }));
 */
export function runStoreConformance(
  test: ConformanceTest,
  makeStore: MakeStore,
  options: StoreConformanceOptions = {},
): void {
  const shortMs = options.shortMs ?? 60;
  const longMs = 60_000;
  const fresh = () => makeStore({ prefix: `conformance:${randomUUID()}:` });
  const key = () => `key-${randomUUID()}`;
  const timeout = Math.max(5_000, shortMs * 20);

  /** A key whose first owner's lease expired and a second owner claimed it. */
  const takenOver = async () => {
    const store = await fresh();
    const k = key();
    const stale = await store.claim(k, shortMs);
    expect(stale.status === 'claimed', 'claim failed');
    await sleep(shortMs * 3);
    const next = await store.claim(k, longMs);
    expect(next.status === 'claimed', `expected claimed after lease expiry, got ${next.status}`);
    return { store, k, stale, next };
  };

  test('claim on a new key is granted with an owner token', async () => {
    const store = await fresh();
    const result = await store.claim(key(), longMs);
    expect(result.status === 'claimed', `expected claimed, got ${result.status}`);
    expect(typeof result.token === 'string' && result.token.length > 0, 'the token must be a non-empty string');
  });

  test('a claimed key answers in-flight to everyone else', async () => {
    const store = await fresh();
    const k = key();
    await store.claim(k, longMs);
    const second = await store.claim(k, longMs);
    expect(second.status === 'in-flight', `expected in-flight, got ${second.status}`);
    if (second.retryAfterMs !== undefined) {
      expect(second.retryAfterMs > 0 && second.retryAfterMs <= longMs, 'retryAfterMs must lie within the lease');
    }
  });

  test('100 parallel claims of one key grant exactly one', async () => {
    const store = await fresh();
    const k = key();
    const results = await Promise.all(Array.from({ length: 100 }, () => store.claim(k, longMs)));
    const claimed = results.filter((r) => r.status === 'claimed').length;
    const inFlight = results.filter((r) => r.status === 'in-flight').length;
    expect(claimed === 1, `expected exactly one claimed, got ${claimed}`);
    expect(inFlight === 99, `expected 99 in-flight, got ${inFlight}`);
  });

  test('complete by the owner makes the key done', async () => {
    const store = await fresh();
    const k = key();
    const claim = await store.claim(k, longMs);
    expect(claim.status === 'claimed', 'claim failed');
    expect((await store.complete(k, claim.token, longMs)) === true, 'the owner could not complete');
    const again = await store.claim(k, longMs);
    expect(again.status === 'done', `expected done, got ${again.status}`);
  });

  test('complete or release by a non-owner does nothing', async () => {
    const store = await fresh();
    const k = key();
    const claim = await store.claim(k, longMs);
    expect(claim.status === 'claimed', 'claim failed');
    expect((await store.complete(k, 'not-the-owner', longMs)) === false, 'a stranger completed the key');
    expect((await store.release(k, 'not-the-owner')) === false, 'a stranger released the key');
    const again = await store.claim(k, longMs);
    expect(again.status === 'in-flight', `expected in-flight, got ${again.status}`);
    expect((await store.complete(k, claim.token, longMs)) === true, 'the owner lost its claim');
  });

  test('release by the owner lets the next claim in with a new token', async () => {
    const store = await fresh();
    const k = key();
    const first = await store.claim(k, longMs);
    expect(first.status === 'claimed', 'claim failed');
    expect((await store.release(k, first.token)) === true, 'the owner could not release');
    const second = await store.claim(k, longMs);
    expect(second.status === 'claimed', `expected claimed after release, got ${second.status}`);
    expect(second.token !== first.token, 'a new claim must get a new token');
    expect((await store.complete(k, first.token, longMs)) === false, 'the released token still completed');
  });

  test('release of a missing key reports false', async () => {
    const store = await fresh();
    expect((await store.release(key(), 'token')) === false, 'release of a missing key returned true');
  });

  test('complete of a key nobody holds marks it done', async () => {
    const store = await fresh();
    const k = key();
    expect((await store.complete(k, 'token', longMs)) === true, 'complete of a missing key was refused');
    const again = await store.claim(k, longMs);
    expect(again.status === 'done', `expected done, got ${again.status}`);
  });

  test(
    'complete after the lease ran out, with no other claim since, marks the key done',
    async () => {
      const store = await fresh();
      const k = key();
      const claim = await store.claim(k, shortMs);
      expect(claim.status === 'claimed', 'claim failed');
      await sleep(shortMs * 3);
      expect((await store.complete(k, claim.token, longMs)) === true, 'the owner of a lapsed lease could not complete');
      const again = await store.claim(k, longMs);
      expect(again.status === 'done', `expected done, got ${again.status}`);
    },
    timeout,
  );

  test(
    'an expired lease lets a new owner in, and fences the old one',
    async () => {
      const { store, k, stale } = await takenOver();
      expect((await store.complete(k, stale.token, longMs)) === false, 'a stale owner completed the key');
      expect((await store.release(k, stale.token)) === false, 'a stale owner released the key');
      const check = await store.claim(k, longMs);
      expect(check.status === 'in-flight', `the new owner's claim was disturbed: ${check.status}`);
    },
    timeout,
  );

  test(
    'done lasts for its window, then expires',
    async () => {
      const store = await fresh();
      const k = key();
      const claim = await store.claim(k, longMs);
      expect(claim.status === 'claimed', 'claim failed');
      await store.complete(k, claim.token, shortMs * 2);
      const during = await store.claim(k, longMs);
      expect(during.status === 'done', `expected done within the window, got ${during.status}`);
      await sleep(shortMs * 5);
      const after = await store.claim(k, longMs);
      expect(after.status === 'claimed', `expected claimed after the window, got ${after.status}`);
    },
    timeout,
  );

  test('prefixes isolate stores', async () => {
    const a = await fresh();
    const b = await fresh();
    const k = key();
    const first = await a.claim(k, longMs);
    const second = await b.claim(k, longMs);
    expect(first.status === 'claimed' && second.status === 'claimed', 'a key under one prefix blocked another prefix');
  });

  test('operations on one key do not disturb another', async () => {
    const store = await fresh();
    const [k1, k2, k3] = [key(), key(), key()];
    const c1 = await store.claim(k1, longMs);
    const c2 = await store.claim(k2, longMs);
    expect(c1.status === 'claimed' && c2.status === 'claimed', 'claims failed');
    await store.complete(k1, c1.token, longMs);
    await store.release(k2, c2.token);
    expect((await store.claim(k1, longMs)).status === 'done', 'k1 should be done');
    expect((await store.claim(k2, longMs)).status === 'claimed', 'k2 should be claimable again');
    expect((await store.claim(k3, longMs)).status === 'claimed', 'k3 should be untouched');
  });

  test('many keys in parallel each get exactly one owner', async () => {
    const store = await fresh();
    const keys = Array.from({ length: 50 }, key);
    const results = await Promise.all(keys.flatMap((k) => [store.claim(k, longMs), store.claim(k, longMs)]));
    const claimed = results.filter((r) => r.status === 'claimed').length;
    expect(claimed === 50, `expected 50 claimed, got ${claimed}`);
  });

  test('a done key ignores its old token: no second complete, no release', async () => {
    const store = await fresh();
    const k = key();
    const claim = await store.claim(k, longMs);
    expect(claim.status === 'claimed', 'claim failed');
    expect((await store.complete(k, claim.token, longMs)) === true, 'the owner could not complete');
    expect((await store.release(k, claim.token)) === false, 'a completed key was released');
    expect((await store.complete(k, claim.token, longMs)) === false, 'a completed key was completed twice');
    expect((await store.claim(k, longMs)).status === 'done', 'the key is no longer done');
  });

  test(
    'a stale owner cannot undo the work of the owner after it',
    async () => {
      const { store, k, stale, next } = await takenOver();
      expect((await store.complete(k, next.token, longMs)) === true, 'the new owner could not complete');
      expect((await store.release(k, stale.token)) === false, 'a stale owner released a done key');
      expect((await store.complete(k, stale.token, longMs)) === false, 'a stale owner completed a done key');
      expect((await store.claim(k, longMs)).status === 'done', 'the key is no longer done');
    },
    timeout,
  );

  test('prefixes isolate completion and release too', async () => {
    const a = await fresh();
    const b = await fresh();
    const k = key();
    const inA = await a.claim(k, longMs);
    const inB = await b.claim(k, longMs);
    expect(inA.status === 'claimed' && inB.status === 'claimed', 'claims failed');
    expect((await a.complete(k, inA.token, longMs)) === true, 'complete under prefix A failed');
    expect((await b.claim(k, longMs)).status === 'in-flight', "prefix A's complete changed prefix B's claim");
    expect((await b.release(k, inB.token)) === true, 'release under prefix B failed');
    expect((await a.claim(k, longMs)).status === 'done', "prefix B's release changed prefix A's key");
    expect((await b.claim(k, longMs)).status === 'claimed', 'prefix B should be claimable again');
  });

  test('keys with braces, colons, unicode or great length stay distinct', async () => {
    const store = await fresh();
    const base = randomUUID();
    const odd = [
      '{',
      '}',
      '{}',
      `a{${base}}`,
      `a{${base}}b`,
      `${base}:x`,
      `${base}:x:`,
      `ü-🙂-${base}`,
      base.repeat(16),
    ];
    const claims = await Promise.all(odd.map((k) => store.claim(k, longMs)));
    expect(
      claims.every((c) => c.status === 'claimed'),
      'two different keys collided (or a key with special characters was refused)',
    );
    const first = claims[0];
    expect(first?.status === 'claimed', 'claim failed');
    expect((await store.complete(odd[0]!, first.token, longMs)) === true, 'complete of an odd key failed');
    const again = await Promise.all(odd.map((k) => store.claim(k, longMs)));
    expect(again[0]?.status === 'done', 'the completed odd key is not done');
    expect(
      again.slice(1).every((c) => c.status === 'in-flight'),
      'completing one odd key disturbed another',
    );
  });

  if (options.renew === false) {
    test('the store has no renew, as declared', async () => {
      const store = await fresh();
      expect(store.renew === undefined, 'the store offers renew: drop { renew: false } so its renew is tested');
    });
  } else {
    runRenewConformance(test, fresh, key, shortMs, timeout);
  }
}

/**
 * `renew` extends a claim for its owner, and only while nobody else holds the
 * key: the same rule as `complete`.
 */
function runRenewConformance(
  test: ConformanceTest,
  fresh: () => DedupeStore | Promise<DedupeStore>,
  key: () => string,
  shortMs: number,
  timeout: number,
): void {
  const longMs = 60_000;
  const withRenew = async () => {
    const store = await fresh();
    expect(
      typeof store.renew === 'function',
      'the store has no renew: a handler slower than leaseMs may run twice (declare it with { renew: false })',
    );
    return { store, renew: store.renew.bind(store) };
  };

  test(
    'renew by the owner keeps the claim past its first lease',
    async () => {
      const { store, renew } = await withRenew();
      const k = key();
      const claim = await store.claim(k, shortMs * 2);
      expect(claim.status === 'claimed', 'claim failed');
      // Renewed each lease-half, the claim outlives its first lease several times over.
      for (let i = 0; i < 5; i++) {
        await sleep(shortMs);
        expect((await renew(k, claim.token, shortMs * 2)) === true, `renewal ${i + 1} by the owner was refused`);
      }
      const during = await store.claim(k, longMs);
      expect(during.status === 'in-flight', `a renewed claim let a copy in: ${during.status}`);
      if (during.retryAfterMs !== undefined) {
        expect(during.retryAfterMs <= shortMs * 2, 'retryAfterMs must lie within the renewed lease');
      }
      expect((await store.complete(k, claim.token, longMs)) === true, 'the owner could not complete after renewing');
      expect((await store.claim(k, longMs)).status === 'done', 'the key is not done');
    },
    timeout,
  );

  test('renew extends the lease to leaseMs from now', async () => {
    const { store, renew } = await withRenew();
    const k = key();
    const claim = await store.claim(k, shortMs * 2);
    expect(claim.status === 'claimed', 'claim failed');
    expect((await renew(k, claim.token, longMs)) === true, 'renewal by the owner was refused');
    const copy = await store.claim(k, longMs);
    expect(copy.status === 'in-flight', `expected in-flight, got ${copy.status}`);
    if (copy.retryAfterMs !== undefined) {
      expect(copy.retryAfterMs > longMs / 2, `the lease was not extended: ${copy.retryAfterMs} ms left`);
    }
  });

  test('renew by a stranger is refused and leaves the claim alone', async () => {
    const { store, renew } = await withRenew();
    const k = key();
    const claim = await store.claim(k, longMs);
    expect(claim.status === 'claimed', 'claim failed');
    expect((await renew(k, 'not-the-owner', longMs)) === false, 'a stranger renewed the claim');
    expect((await store.complete(k, 'not-the-owner', longMs)) === false, 'a stranger completed after renewing');
    expect((await store.complete(k, claim.token, longMs)) === true, 'the owner lost its claim to a stranger');
  });

  test('renew of a done key is refused and leaves it done', async () => {
    const { store, renew } = await withRenew();
    const k = key();
    const claim = await store.claim(k, longMs);
    expect(claim.status === 'claimed', 'claim failed');
    expect((await store.complete(k, claim.token, longMs)) === true, 'the owner could not complete');
    expect((await renew(k, claim.token, longMs)) === false, 'a done key was renewed');
    expect((await store.claim(k, longMs)).status === 'done', 'renew undid a done key');
  });

  test(
    'renew after the lease ran out, with no other claim since, takes the key back for the owner',
    async () => {
      const { store, renew } = await withRenew();
      const k = key();
      const claim = await store.claim(k, shortMs);
      expect(claim.status === 'claimed', 'claim failed');
      await sleep(shortMs * 3);
      expect((await renew(k, claim.token, longMs)) === true, 'the owner of a lapsed lease could not renew');
      const copy = await store.claim(k, longMs);
      expect(copy.status === 'in-flight', `a copy got in after the owner renewed: ${copy.status}`);
      expect((await store.complete(k, claim.token, longMs)) === true, 'the owner could not complete');
    },
    timeout,
  );

  test(
    'renew after another owner took over is refused, and the new owner keeps its claim',
    async () => {
      const { store, renew } = await withRenew();
      const k = key();
      const stale = await store.claim(k, shortMs);
      expect(stale.status === 'claimed', 'claim failed');
      await sleep(shortMs * 3);
      const next = await store.claim(k, longMs);
      expect(next.status === 'claimed', `expected claimed after lease expiry, got ${next.status}`);
      expect((await renew(k, stale.token, longMs)) === false, "a stale owner renewed the new owner's claim");
      expect((await store.release(k, stale.token)) === false, 'a stale owner released after renewing');
      expect((await store.complete(k, next.token, longMs)) === true, 'the new owner lost its claim');
    },
    timeout,
  );

  test('renew of a released claim, with no other claim since, takes the key again', async () => {
    const { store, renew } = await withRenew();
    const k = key();
    const claim = await store.claim(k, longMs);
    expect(claim.status === 'claimed', 'claim failed');
    expect((await store.release(k, claim.token)) === true, 'the owner could not release');
    // Same rule as a lapsed lease: nobody else holds the key. (Callers stop renewing before they release.)
    expect((await renew(k, claim.token, longMs)) === true, 'renew of a key nobody holds was refused');
    expect((await store.claim(k, longMs)).status === 'in-flight', 'the renewed claim does not hold the key');
  });

  test('50 parallel renewals by the owner keep one claim, and a copy still sees it in flight', async () => {
    const { store, renew } = await withRenew();
    const k = key();
    const claim = await store.claim(k, longMs);
    expect(claim.status === 'claimed', 'claim failed');
    const results = await Promise.all(Array.from({ length: 50 }, () => renew(k, claim.token, longMs)));
    expect(results.every(Boolean), 'a renewal by the owner was refused');
    expect((await store.claim(k, longMs)).status === 'in-flight', 'a copy got in during renewals');
    expect((await store.complete(k, claim.token, longMs)) === true, 'the owner could not complete');
  });
}
