import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DedupeStore, ReceiverRequest, ReceiverResponse } from '@hookgate/core';
import { expect } from 'vitest';
import { sleep } from '../../../test/support/time.js';

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

/** The answers a callback API gave: `atReturn` is how many had come when the call returned, `answered` the first. */
export interface CapturedAnswers {
  answers: ReceiverResponse[];
  atReturn: number;
  answered: Promise<ReceiverResponse>;
}

/** Runs a call that answers through a callback (handleInto, answerRequest), keeping every answer it gives. */
export function capturedAnswers(call: (respond: (response: ReceiverResponse) => void) => void): CapturedAnswers {
  const answers: ReceiverResponse[] = [];
  let first!: (response: ReceiverResponse) => void;
  const answered = new Promise<ReceiverResponse>((resolve) => {
    first = resolve;
  });
  call((response) => {
    answers.push(response);
    first(response);
  });
  return { answers, atReturn: answers.length, answered };
}

/** Lets anything still queued run, then checks there was one answer only. */
export async function onlyAnswer(captured: CapturedAnswers): Promise<ReceiverResponse> {
  const response = await captured.answered;
  await sleep(5);
  expect(captured.answers).toEqual([response]);
  return response;
}

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
