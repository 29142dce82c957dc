import { describe, expect, it } from 'vitest';
import { abilityFor } from '../../src/policy.js';
import { subject } from '../../src/platform/auth/ability.js';
import type { Principal } from '../../src/platform/auth/principal.js';
import type { AccessGrant } from '../../src/platform/auth/grant.js';

/**
 * Abilities are shared between principals whose rules are the same (same roles, unit,
 * department and grants): 10,000 live connections hold a few hundred abilities. Sharing must
 * never hand one principal another's rules: a different unit, role or grant is another ability.
 */
const HUJING = { code: '320613006001001', name: '互敬网格', tier: 'GRID' as const, path: '320600.320613.320613006.320613006001.320613006001001' };
const OTHER_GRID = { code: '320613006001002', name: '另一网格', tier: 'GRID' as const, path: '320600.320613.320613006.320613006001.320613006001002' };

function person(name: string, unit: typeof HUJING, roles: Principal['roles'] = ['GRID_WORKER'], expiresAt: number | null = null): Principal {
  return { name, displayName: name, kind: 'PERSON', roles, unit, department: null, expiresAt, credential: { kind: 'JWT', id: null } };
}

const alertAt = (unitPath: string) => subject('Alert', { unitPath, type: 'SMOKE' });

describe('shared abilities', () => {
  it('principals with the same rules share one ability; another unit, role or grant gets its own', () => {
    const now = new Date('2026-11-28T00:00:00Z');
    const a = abilityFor(person('grid.a', HUJING, ['GRID_WORKER'], 1_900_000_000), [], now);
    const b = abilityFor(person('grid.b', HUJING, ['GRID_WORKER'], 1_800_000_000), [], now);
    const elsewhere = abilityFor(person('grid.c', OTHER_GRID), [], now);
    const officer = abilityFor(person('officer.d', HUJING, ['OFFICER']), [], now);
    const grant: AccessGrant = { id: 'g1', kind: 'Alert', types: ['SMOKE'], fields: [], withinPath: OTHER_GRID.path, expiresAt: new Date('2026-12-01T00:00:00Z') };
    const granted = abilityFor(person('grid.e', HUJING), [grant], now);
    const lapsed = abilityFor(person('grid.f', HUJING), [grant], new Date('2026-12-02T00:00:00Z'));

    expect({
      sameRulesShared: a === b,
      otherUnitShared: a === elsewhere,
      otherRoleShared: a === officer,
      grantShared: a === granted,
      lapsedGrantShared: a === lapsed,
    }).toEqual({ sameRulesShared: true, otherUnitShared: false, otherRoleShared: false, grantShared: false, lapsedGrantShared: true });
    // And each still answers for its own rules.
    expect({
      aHere: a.can('read', alertAt(HUJING.path)),
      aThere: a.can('read', alertAt(OTHER_GRID.path)),
      elsewhereHere: elsewhere.can('read', alertAt(HUJING.path)),
      grantedThere: granted.can('read', alertAt(OTHER_GRID.path)),
      officerAcknowledges: officer.can('acknowledge', alertAt(HUJING.path)),
      aAcknowledges: a.can('acknowledge', alertAt(HUJING.path)),
    }).toEqual({ aHere: true, aThere: false, elsewhereHere: false, grantedThere: true, officerAcknowledges: true, aAcknowledges: false });
  });
});
