import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codesOfPath, isWithin, lastCode, tierOfPath } from '../../src/platform/auth/scope.js';
import { placementOf, placementRecord } from '../../src/platform/db/placement.js';

const GRID = '320600.320613.320613006.320613006001.320613006001001';

describe('unit paths', () => {
  it('a path is within itself and its ancestors, not its siblings or a code that merely starts the same', () => {
    expect(isWithin(GRID, GRID)).toBe(true);
    expect(isWithin(GRID, '320600.320613')).toBe(true);
    expect(isWithin(GRID, '320600')).toBe(true);
    expect(isWithin('320600.320613', GRID)).toBe(false);
    expect(isWithin('320600.320612', '320600.320613')).toBe(false);
    // A prefix of characters is not a prefix of codes.
    expect(isWithin('320600.3206130', '320600.320613')).toBe(false);
    expect(isWithin('3206001', '320600')).toBe(false);
  });

  it('isWithin agrees with "the codes start with the root\'s codes"', () => {
    const code = fc.constantFrom('1', '12', '2', '21');
    const path = fc.array(code, { minLength: 1, maxLength: 5 }).map((codes) => codes.join('.'));
    fc.assert(
      fc.property(path, path, (a, b) => {
        const [ca, cb] = [codesOfPath(a), codesOfPath(b)];
        expect(isWithin(a, b)).toBe(cb.length <= ca.length && cb.every((c, i) => ca[i] === c));
      }),
    );
  });

  it('the depth names the tier; more than five codes is no tier', () => {
    expect(tierOfPath('320600')).toBe('CITY');
    expect(tierOfPath('320600.320613.320613006')).toBe('STREET');
    expect(tierOfPath(GRID)).toBe('GRID');
    expect(tierOfPath(`${GRID}.1`)).toBeUndefined();
    expect(lastCode(GRID)).toBe('320613006001001');
  });
});

describe('placements', () => {
  it('a community keeps each ancestor code in its tier column and no grid', () => {
    expect(placementOf('320600.320613.320613006.320613006001')).toEqual({
      unitCode: '320613006001',
      unitPath: '320600.320613.320613006.320613006001',
      cityCode: '320600',
      districtCode: '320613',
      streetCode: '320613006',
      communityCode: '320613006001',
      gridCode: null,
    });
  });

  it('as a row, the same fields in snake_case', () => {
    expect(placementRecord(placementOf(GRID))).toMatchObject({ unit_code: '320613006001001', city_code: '320600', grid_code: '320613006001001' });
  });

  it('a path deeper than a grid is refused', () => {
    expect(() => placementOf(`${GRID}.9`)).toThrow(/unit path of 1 to 5 codes/);
  });
});
