// The browser sign-in's pieces that need no browser: PKCE's S256 without WebCrypto (plain-http
// intranet pages have no crypto.subtle), and which Authorization GraphiQL sends.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { challengeOf, randomToken, sha256 } from '../../src/web/sign-in/pkce.js';
import { withSignIn } from '../../src/web/graphiql/browser/fetcher.js';
import { TOKEN_PLACEHOLDER } from '../../src/web/graphiql/browser/defaults.js';

describe('PKCE', () => {
  it('computes SHA-256 as node:crypto does, for every length around the block boundaries and random inputs', () => {
    const inputs = [...Array.from({ length: 200 }, (_, n) => randomBytes(n)), ...Array.from({ length: 20 }, () => randomBytes(1000 + Math.floor(Math.random() * 5000)))];
    for (const input of inputs) {
      expect(Buffer.from(sha256(new Uint8Array(input))).toString('hex')).toBe(createHash('sha256').update(input).digest('hex'));
    }
  });

  it('gives the same S256 challenge with and without crypto.subtle', async () => {
    const withSubtle = { getRandomValues: <T extends Uint8Array>(a: T) => globalThis.crypto.getRandomValues(a), subtle: globalThis.crypto.subtle as never };
    const without = { getRandomValues: <T extends Uint8Array>(a: T) => globalThis.crypto.getRandomValues(a) };
    for (let i = 0; i < 20; i++) {
      const verifier = randomToken(without);
      expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const expected = createHash('sha256').update(verifier).digest('base64url');
      expect([await challengeOf(verifier, without), await challengeOf(verifier, withSubtle)]).toEqual([expected, expected]);
    }
  });
});

describe('the Authorization GraphiQL sends', () => {
  const signedIn = 'Bearer signed-in-token';

  it('is the sign-in’s when the headers editor sets none or only the placeholder', () => {
    expect(withSignIn({}, signedIn)).toEqual({ Authorization: signedIn });
    expect(withSignIn({ Authorization: TOKEN_PLACEHOLDER, 'x-purpose': '核查' }, signedIn)).toEqual({ Authorization: signedIn, 'x-purpose': '核查' });
    expect(withSignIn({ authorization: '  ' }, signedIn)).toEqual({ Authorization: signedIn });
  });

  it('is what the person typed, whatever the sign-in', () => {
    expect(withSignIn({ authorization: 'Bearer typed' }, signedIn)).toEqual({ authorization: 'Bearer typed' });
    expect(withSignIn({ 'X-Api-Key': 'ghk_x' }, undefined)).toEqual({ 'X-Api-Key': 'ghk_x' });
  });

  it('is none when nobody signed in and the editor holds the placeholder', () => {
    expect(withSignIn({ Authorization: TOKEN_PLACEHOLDER }, undefined)).toEqual({});
  });
});
