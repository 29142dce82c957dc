import { getTableColumns, getTableName, sql, type InferSelectModel, type SQL, type Table } from 'drizzle-orm';

/**
 * A table's columns in a raw select list, and their values read back into the table's row
 * type. The select list is built once per table, and a row is read by a loop over the
 * columns' own decoders (`mapFromDriverValue`): the same values drizzle's query builder gives,
 * without its per-statement select building and per-cell type checks — which were a fifth of
 * the hub's CPU on an alert page. For the hot list pages only; everything else uses drizzle.
 */
export interface TableReader<T extends Table> {
  /** `"units"."code" as "u.code", …`: every column (of the table, or of its alias) under the reader's prefix. */
  readonly columns: SQL;
  /** The table's row from a result row; null when every column is null (an absent left join). */
  read(row: Record<string, unknown>): InferSelectModel<T> | null;
}

/** `alias`: the name the table goes by in the statement (`left join units as "assignee"`); default its own. */
export function tableReader<T extends Table>(table: T, prefix: string, alias: string = getTableName(table)): TableReader<T> {
  const tableName = alias;
  const entries = Object.entries(getTableColumns(table)).map(([key, column]) => ({ key, alias: `${prefix}${key}`, column }));
  const columns = sql.raw(entries.map(({ alias, column }) => `"${tableName}"."${column.name}" as "${alias}"`).join(', '));
  return {
    columns,
    read(row) {
      const out: Record<string, unknown> = {};
      let present = false;
      for (const { key, alias, column } of entries) {
        const value = row[alias];
        if (value === null || value === undefined) {
          out[key] = null;
        } else {
          present = true;
          out[key] = column.mapFromDriverValue(value);
        }
      }
      return present ? (out as InferSelectModel<T>) : null;
    },
  };
}
