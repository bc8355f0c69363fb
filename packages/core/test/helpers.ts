import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DedupeStore, ReceiverRequest } from '@hookgate/core';

const here = dirname(fileURLToPath(import.meta.url));

/** The published vectors (a copy of shared/test-vectors.json). */
export function loadVectors(): TestVectors {
  return JSON.parse(readFileSync(join(here, 'fixtures/test-vectors.json'), 'utf8')) as TestVectors;
}

export interface TestVectors {
  standardWebhooks: {
    secret: string;
    id: string;
    timestamp: number;
    body: string;
    signature: string;
    invalidSignatures: string[];
    decoys: string[];
  }[];
  github: { secret: string; body: string; header: string; signature: string }[];
  slack: { secret: string; timestamp: number; contentType: string; body: string; header: string; signature: string }[];
  stripeRawHmac: { secret: string; cases: { input: string; hex: string }[] }[];
  shopify: { secret: string; body: string; header: string; signature: string; otherHeaders: Record<string, string> }[];
}

export function post(headers: Record<string, string>, body: string | Buffer): ReceiverRequest {
  return { method: 'POST', url: '/webhooks', headers, body };
}

/** A clock fixed at the given epoch seconds. */
export const clockAt = (seconds: number) => () => seconds * 1000;

export function errorCode(body: string): string | undefined {
  return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
}

export { deferred } from '../../../test/support/time.js';

/**
 * The store's dedupe operations without `renew`: claims are fixed leases, as a
 * process that died (and so stopped renewing) leaves them.
 */
export function fixedLeases(store: DedupeStore): DedupeStore {
  return {
    claim: (key, leaseMs) => store.claim(key, leaseMs),
    complete: (key, token, ttlMs) => store.complete(key, token, ttlMs),
    release: (key, token) => store.release(key, token),
  };
}
