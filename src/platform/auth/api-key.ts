import { createHash, randomBytes } from 'node:crypto';

/**
 * Terminology
 * - API key: the secret an adapter sends as `Authorization: ApiKey <key>` (or `X-Api-Key`):
 *   `ghk_` followed by 32 random bytes in base64url (43 characters), 47 characters in all.
 * - key hash: SHA-256 of the whole key, in hex: all the database keeps. A key carries 256
 *   random bits, so a fast hash cannot be reversed by guessing; no salt or slow hash is needed.
 * - prefix: the first 12 characters (`ghk_` and 8 more), kept in clear so that people can tell
 *   keys apart in lists and logs; the 208 bits that follow stay secret.
 */
const API_KEY_MARK = 'ghk_';
const API_KEY_PREFIX_LENGTH = 12;
const API_KEY_SHAPE = /^ghk_[A-Za-z0-9_-]{43}$/;

interface NewApiKey {
  key: string;
  hash: string;
  prefix: string;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, API_KEY_PREFIX_LENGTH);
}

/** Whether `value` has the shape of a key this hub gives out (it may still be unknown or revoked). */
export function isApiKeyShaped(value: string): boolean {
  return API_KEY_SHAPE.test(value);
}

/** A fresh key with its hash and prefix. The key itself is shown once and never stored. */
export function generateApiKey(): NewApiKey {
  const key = `${API_KEY_MARK}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: apiKeyPrefix(key) };
}
