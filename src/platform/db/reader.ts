import { getTableColumns, getTableName, sql, type Column, type InferSelectModel, type SQL, type Table } from 'drizzle-orm';

/**
 * A table's columns in a raw select list, and their values read back into the table's row
 * type. The select list is built once per table, and a row is read by a loop over the
 * columns' own decoders (`mapFromDriverValue`): the same values drizzle's query builder gives,
 * without its per-statement select building and per-cell type checks — which were a fifth of
 * the hub's CPU on an alert page. For the hot list pages only; everything else uses drizzle.
 */
interface TableReader<T extends Table, K extends keyof InferSelectModel<T> = keyof InferSelectModel<T>> {
  /** `"units"."code" as "u.code", …`: the reader's columns (of the table, or of its alias) under its prefix. */
  readonly columns: SQL;
  /** The row's read columns from a result row; null when every one is null (an absent left join). */
  read(row: Record<string, unknown>): Pick<InferSelectModel<T>, K> | null;
}

/**
 * `alias`: the name the table goes by in the statement (`left join units as "assignee"`);
 * default its own. `keys`: only these columns (default all) — each column read is a string
 * decoded from the wire and a value made from it, so a reader takes what its row's mapping
 * (`toDevice`, …: typed to take just these keys) uses, not the placement codes and JSON
 * nobody reads.
 */
export function tableReader<T extends Table, K extends keyof InferSelectModel<T> & string = keyof InferSelectModel<T> & string>(
  table: T,
  prefix: string,
  alias: string = getTableName(table),
  keys?: readonly K[],
): TableReader<T, K> {
  const tableName = alias;
  const all = getTableColumns(table);
  const entries = (keys ?? (Object.keys(all) as K[])).map((key) => ({ key, alias: `${prefix}${key}`, column: all[key] as Column }));
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
      return present ? (out as Pick<InferSelectModel<T>, K>) : null;
    },
  };
}
