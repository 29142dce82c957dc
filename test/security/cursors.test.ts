import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { createLogger } from '../../src/platform/log.js';

/**
 * A tampered cursor is bad input on the argument it came in, never a failed statement: the
 * attack on a demo hub sent a cursor whose id was not a uuid and got a 500, with the SQL of the
 * page logged. Each list is asked with every kind of garbage, both ways.
 */

const base64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const UUID = '6f1c3a52-8d0e-4f5b-9a7c-2b4e6d8f0a1c';
const TAMPERED: readonly (readonly [string, string])[] = [
  ['an id that is not a uuid', base64(['2026-01-01T00:00:00.000Z', 'garbage'])],
  ['an id that tries SQL', base64(['2026-01-01T00:00:00.000Z', "x') or 1=1 --"])],
  ['an id with a NUL', base64(['2026-01-01T00:00:00.000Z', 'a\u0000b'])],
  ['an id 10,000 characters long', base64(['2026-01-01T00:00:00.000Z', 'a'.repeat(10_000)])],
  ['a time that is garbage', base64(['yesterday-ish', UUID])],
  ['a time JavaScript reads but PostgreSQL does not', base64(['+275760-09-13T00:00:00.000Z', UUID])],
  ['a time before year 1', base64(['-000001-01-01T00:00:00.000Z', UUID])],
  ['not base64', '%%%not*base64!!!'],
  ['base64 of no JSON', base64('{"at": ')],
  ['JSON of the wrong shape', base64({ at: '2026-01-01T00:00:00.000Z', id: UUID })],
  ['an empty string', ''],
];
const LISTS = ['alerts', 'cases', 'devices', 'residentRequests'] as const;

describe('a tampered cursor', () => {
  let hub: TestHub;
  const logged: string[] = [];
  beforeAll(async () => {
    hub = await createTestHub({ log: createLogger('info', (line) => logged.push(line)) });
  });
  afterAll(() => hub?.close());

  describe.each(LISTS)('%s', (list) => {
    it.each(TAMPERED)('%s: BAD_USER_INPUT on `after` and on `before`, nothing logged', async (_name, cursor) => {
      for (const argument of ['after', 'before'] as const) {
        logged.length = 0;
        const response = await hub.gql(`query ($cursor: String) { ${list}(${argument}: $cursor) { edges { cursor } } }`, { cursor }, { as: 'city.admin' });
        expect(response.status).toBeLessThan(500);
        expect(response.body.data).toBeNull();
        expect(response.body.errors).toEqual([
          expect.objectContaining({ message: `${argument} is not a cursor this API gave out`, extensions: { code: 'BAD_USER_INPUT', field: argument } }),
        ]);
        expect(logged.filter((line) => /"level":"(error|warn)"|select|params/i.test(line))).toEqual([]);
      }
    });

    it("the cursors it gives out still page it, both ways", async () => {
      const first = await hub.gql(`{ ${list}(first: 2) { edges { cursor } pageInfo { endCursor } } }`, {}, { as: 'city.admin' });
      const edges = (first.body.data![list] as { edges: { cursor: string }[] }).edges;
      expect(edges).toHaveLength(2);
      const next = await hub.gql(`query ($after: String) { ${list}(first: 1, after: $after) { edges { cursor } } }`, { after: edges[0]!.cursor }, { as: 'city.admin' });
      expect((next.body.data![list] as { edges: { cursor: string }[] }).edges).toEqual([edges[1]]);
      const back = await hub.gql(`query ($before: String) { ${list}(last: 1, before: $before) { edges { cursor } } }`, { before: edges[1]!.cursor }, { as: 'city.admin' });
      expect((back.body.data![list] as { edges: { cursor: string }[] }).edges).toEqual([edges[0]]);
    });
  });

  it("principals (keyed by name, not a uuid): a tampered cursor is BAD_USER_INPUT too", async () => {
    for (const [, cursor] of TAMPERED.filter(([name]) => !/uuid|SQL/.test(name))) {
      const response = await hub.gql('query ($after: String) { principals(after: $after) { edges { cursor } } }', { after: cursor }, { as: 'city.admin' });
      expect(response.body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });
});
