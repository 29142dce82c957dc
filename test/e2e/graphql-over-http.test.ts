import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverAudits } from 'graphql-http';
import { createTestHub, type TestHub } from '../helpers/hub.js';

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(() => hub?.close());

describe('GraphQL over HTTP', () => {
  it('passes every MUST and SHOULD of the graphql-http audit', async () => {
    const audits = serverAudits({ url: `${hub.url}/graphql` });
    const results = [];
    for (const audit of audits) results.push({ ...(await audit.fn()), name: audit.name });
    const required = results.filter((result) => /^(MUST|SHOULD) /.test(result.name));
    expect(required.length).toBeGreaterThan(30);
    expect(required.filter((result) => result.status !== 'ok').map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`)).toEqual([]);
  });

  it('answers parse, validation and variable failures with Apollo’s codes: 200 to application/json, 400 to application/graphql-response+json', async () => {
    const cases = [
      { body: { query: '{ me {' }, code: 'GRAPHQL_PARSE_FAILED' },
      { body: { query: '{ noSuchField }' }, code: 'GRAPHQL_VALIDATION_FAILED' },
      { body: { query: 'query($n: Int) { alerts(first: $n) { totalCount } }', variables: { n: 'many' } }, code: 'BAD_USER_INPUT' },
      { body: { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }, code: 'PERSISTED_QUERY_NOT_FOUND' },
    ];
    for (const { body, code } of cases) {
      for (const [accept, status] of [['application/json', 200], ['application/graphql-response+json', 400], ['application/graphql-response+json, application/json', 400], ['application/json, application/graphql-response+json;q=0.9', 200]] as const) {
        const response = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body: JSON.stringify(body) });
        const json = (await response.json()) as { errors: { extensions: { code: string } }[] };
        const expectedStatus = code === 'PERSISTED_QUERY_NOT_FOUND' ? 200 : status;
        expect({ accept, code, status: response.status, got: json.errors[0]?.extensions.code, type: response.headers.get('content-type') }).toEqual({
          accept,
          code,
          status: expectedStatus,
          got: code,
          type: `${accept.startsWith('application/json') ? 'application/json' : 'application/graphql-response+json'}; charset=utf-8`,
        });
      }
    }
  });

  it('keeps 400 for what is not a GraphQL request at all', async () => {
    const response = await fetch(`${hub.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });
    expect(response.status).toBe(400);
  });
});
