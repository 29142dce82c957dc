import { describe, expect, it } from 'vitest';
import { ENVIRONMENT, environmentHelp, loadConfig } from '../../src/config.js';

/** The names loadConfig reads from `variables`, recorded through a proxy. */
function namesRead(variables: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const env = new Proxy(variables, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  loadConfig(env);
  return read;
}

describe('the environment variables', () => {
  it('loadConfig reads exactly the variables of the ENVIRONMENT table', () => {
    // Without and with an identity provider: the OIDC_* settings are read only with OIDC_ISSUER.
    // The REPLICA_* settings only with a replica on a server.
    const read = new Set([
      ...namesRead({}),
      ...namesRead({ OIDC_ISSUER: 'https://id.example.gov.cn', OIDC_AUDIENCE: 'gridhub' }),
      ...namesRead({ DATABASE_URL: 'postgres://db/gridhub', DATABASE_REPLICA_URL: 'postgres://replica/gridhub' }),
    ]);
    expect([...read].sort()).toEqual(ENVIRONMENT.map((v) => v.name).sort());
  });

  it('the help (what gridhub --help prints under Environment) lists every one of them, once', () => {
    const listed = environmentHelp().split('\n').slice(1).map((line) => line.trim().split(/\s+/)[0]);
    expect(listed).toEqual(ENVIRONMENT.map((v) => v.name));
    expect(new Set(listed).size).toBe(listed.length);
  });
});

describe('DATABASE_REPLICA_URL', () => {
  it('is read on a server, with its lag bound and wait', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://db/gridhub', DATABASE_REPLICA_URL: 'postgres://replica/gridhub', REPLICA_MAX_LAG_MS: '2000', REPLICA_READ_WAIT_MS: '0' });
    expect(config.replica).toEqual({ url: 'postgres://replica/gridhub', maxLagMs: 2000, waitMs: 0 });
    expect(loadConfig({ DATABASE_URL: 'postgres://db/gridhub', DATABASE_REPLICA_URL: 'postgres://replica/gridhub' }).replica).toMatchObject({ maxLagMs: 5000, waitMs: 100 });
  });

  it('is ignored on the embedded database (PGlite has no replicas), and a lag bound of 0 is refused', () => {
    expect(loadConfig({ DATABASE_REPLICA_URL: 'postgres://replica/gridhub' }).replica).toBeUndefined();
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/gridhub', DATABASE_REPLICA_URL: 'postgres://replica/gridhub', REPLICA_MAX_LAG_MS: '0' })).toThrow(/REPLICA_MAX_LAG_MS/);
  });
});
