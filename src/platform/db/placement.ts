import { text, index, type PgColumn, type PgTable, type ExtraConfigColumn } from 'drizzle-orm/pg-core';
import { eq, sql, type SQL } from 'drizzle-orm';
import { codesOfPath, tierOfPath, lastCode, type Tier } from '../auth/scope.js';
import { invariant } from '../invariant.js';

/**
 * Where a record sits in the hierarchy. Besides its unit and path, every record keeps the
 * code of each ancestor tier in a column of its own, each indexed with the record's time, so
 * that "the latest N within any unit" is one index range scan at every tier (a path prefix
 * alone cannot give time order below the top).
 */
export function placementColumns() {
  return {
    unitCode: text('unit_code').notNull(),
    unitPath: text('unit_path').notNull(),
    cityCode: text('city_code').notNull(),
    districtCode: text('district_code'),
    streetCode: text('street_code'),
    communityCode: text('community_code'),
    gridCode: text('grid_code'),
  };
}

export interface Placement {
  unitCode: string;
  unitPath: string;
  cityCode: string;
  districtCode: string | null;
  streetCode: string | null;
  communityCode: string | null;
  gridCode: string | null;
}

export function placementOf(path: string): Placement {
  const codes = codesOfPath(path);
  invariant(codes.length >= 1 && codes.length <= 5, `unit path of 1 to 5 codes, got ${path}`);
  return {
    unitCode: lastCode(path),
    unitPath: path,
    cityCode: codes[0] as string,
    districtCode: codes[1] ?? null,
    streetCode: codes[2] ?? null,
    communityCode: codes[3] ?? null,
    gridCode: codes[4] ?? null,
  };
}

/**
 * A placement as the snake_case fields of a row that a batch insert sends as one JSON parameter
 * (`json_to_recordset`, declared with `PLACEMENT_RECORDSET`).
 */
export function placementRecord(placement: Placement) {
  return {
    unit_code: placement.unitCode,
    unit_path: placement.unitPath,
    city_code: placement.cityCode,
    district_code: placement.districtCode,
    street_code: placement.streetCode,
    community_code: placement.communityCode,
    grid_code: placement.gridCode,
  };
}

/** The placement's fields in a `json_to_recordset(…) as r(…)` declaration. */
export const PLACEMENT_RECORDSET = sql.raw('unit_code text, unit_path text, city_code text, district_code text, street_code text, community_code text, grid_code text');

export interface PlacementTable {
  cityCode: PgColumn;
  districtCode: PgColumn;
  streetCode: PgColumn;
  communityCode: PgColumn;
  gridCode: PgColumn;
}

export function tierColumn(table: PlacementTable, tier: Tier): PgColumn {
  switch (tier) {
    case 'CITY':
      return table.cityCode;
    case 'DISTRICT':
      return table.districtCode;
    case 'STREET':
      return table.streetCode;
    case 'COMMUNITY':
      return table.communityCode;
    case 'GRID':
      return table.gridCode;
  }
}

/** `$within path` as SQL: an equality on the column of the path's tier. */
export function withinPlacement(table: PlacementTable): (path: string) => SQL {
  return (path) => {
    const tier = tierOfPath(path);
    invariant(tier, `malformed unit path ${path}`);
    return eq(tierColumn(table, tier), lastCode(path));
  };
}

/** One index per tier, each with the record's time and id: the keyset order of every list. */
export function placementIndexes(
  name: string,
  table: { [K in keyof PlacementTable | 'id']: ExtraConfigColumn },
  time: ExtraConfigColumn,
) {
  const tiers = [
    ['city', table.cityCode],
    ['district', table.districtCode],
    ['street', table.streetCode],
    ['community', table.communityCode],
    ['grid', table.gridCode],
  ] as const;
  return tiers.map(([tier, column]) => index(`${name}_${tier}_time_idx`).on(column, time.desc().nullsFirst(), table.id.desc().nullsFirst()));
}

/**
 * A table whose rows are placed in the hierarchy, as a move of units sees it: its id, the
 * path columns to rewrite when a unit moves (each with the code column naming the unit it ends
 * at, and the per-tier columns when it is a full placement), and the columns that name a unit by
 * code alone, which follow when a unit is merged into another.
 */
export interface PlacedTable {
  readonly table: PgTable;
  readonly id: PgColumn;
  readonly paths: readonly {
    readonly path: PgColumn;
    readonly code?: PgColumn;
    readonly tiers?: PlacementTable;
    /** With `tiers`: the time column of the table's tier indexes, so that a rewrite walks the index once instead of re-reading the rows it already moved. */
    readonly time?: PgColumn;
  }[];
  readonly codes?: readonly PgColumn[];
}

/** A record's full placement, as a PlacedTable's path entry names it; `time` is the time column its `placementIndexes` were made with (none: the table has no tier indexes). */
export function placedBy(table: PlacementTable & { unitPath: PgColumn; unitCode: PgColumn }, time?: PgColumn) {
  return { path: table.unitPath, code: table.unitCode, tiers: table, ...(time ? { time } : {}) };
}
