import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../helpers/hub.js';
import { createLogger } from '../../src/platform/log.js';

/**
 * A failed audit write fails the request closed: an answer that carries personal data in full
 * is not sent when its audit entry cannot be written. And nothing personal reaches the log: a
 * failed statement's parameters are cut from what the driver reports.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub?.close();
});

const DEVICES = '{ devices(first: 3, filter: { types: [ELDERLY_ALARM_BUTTON] }) { edges { node { holderPhone maskedFields } } } }';

describe('audit write failure', () => {
  it('an unmasked answer is replaced by 503 SERVICE_UNAVAILABLE when the audit log cannot be written; a masked one is sent', async () => {
    const ok = await hub.gql<any>(DEVICES, {}, { as: 'shuguang.officer' });
    expect(ok.body.data.devices.edges[0].node.holderPhone).toMatch(/^1\d{10}$/);
    // The audit log refuses every insert for a moment (as the DB owner would, or a full disk).
    await hub.database.db.execute(sql`create or replace function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit log unavailable'; end $$`);
    await hub.database.db.execute(sql`create trigger refuse_audit before insert on audit_log for each row execute function refuse_audit()`);
    try {
      const refused = await hub.gql<any>(DEVICES, {}, { as: 'shuguang.officer' });
      expect(refused.status).toBe(503);
      expect(refused.body.data).toBeUndefined();
      expect(refused.body.errors).toEqual([{ message: expect.stringContaining('audit log could not be written'), extensions: { code: 'SERVICE_UNAVAILABLE' } }]);
      expect(JSON.stringify(refused.body)).not.toMatch(/\d{11}/);
      // The street sees the same devices masked: nothing to audit, the answer goes out.
      const masked = await hub.gql<any>(DEVICES, {}, { as: 'xuetian.officer' });
      expect(masked.status).toBe(200);
      expect(masked.body.data.devices.edges[0].node.holderPhone).toMatch(/^\d{3}\*{4}\d{4}$/);
    } finally {
      await hub.database.db.execute(sql`drop trigger refuse_audit on audit_log`);
    }
    expect((await hub.gql<any>(DEVICES, {}, { as: 'shuguang.officer' })).status).toBe(200);
  });
});

describe('no personal values in logs', () => {
  it("a failed statement's parameters and phone or ID numbers are redacted from the log line", async () => {
    let failure: unknown;
    try {
      await hub.database.db.execute(sql`select ${'13912349363'}::int, ${'32061319350512123X'}::int`);
    } catch (error) {
      failure = error;
    }
    expect(String((failure as Error).message)).toContain('13912349363');
    const lines: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      createLogger('info').error('unexpected error', { error: (failure as Error).stack ?? String(failure), params: ['13912349363'], cause: String((failure as { cause?: unknown }).cause) });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('13912349363');
    expect(lines[0]).not.toContain('32061319350512123X');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', message: 'unexpected error', params: '[redacted]' });
  });
});
