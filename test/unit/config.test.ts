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
    const read = new Set([...namesRead({}), ...namesRead({ OIDC_ISSUER: 'https://id.example.gov.cn', OIDC_AUDIENCE: 'gridhub' })]);
    expect([...read].sort()).toEqual(ENVIRONMENT.map((v) => v.name).sort());
  });

  it('the help (what gridhub --help prints under Environment) lists every one of them, once', () => {
    const listed = environmentHelp().split('\n').slice(1).map((line) => line.trim().split(/\s+/)[0]);
    expect(listed).toEqual(ENVIRONMENT.map((v) => v.name));
    expect(new Set(listed).size).toBe(listed.length);
  });
});
