import type { Scheme } from '../types.js';
import type { SecretOptions } from './secrets.js';
import { standardWebhooks } from './standard-webhooks.js';

export interface ClerkOptions extends SecretOptions {}
export interface ResendOptions extends SecretOptions {}

/**
 * Clerk sends through Svix: `svix-id`, `svix-timestamp`, `svix-signature`
 * (`v1,<base64>`), with a `whsec_` signing secret. The type is the body's `type`
 * (`user.created`); the id is `svix-id` (signed).
 */
export function clerk(options: ClerkOptions): Scheme {
  return standardWebhooks({ ...options, name: 'clerk' });
}

/** Resend sends through Svix, as Clerk does; the type is the body's `type` (`email.delivered`). */
export function resend(options: ResendOptions): Scheme {
  return standardWebhooks({ ...options, name: 'resend' });
}
