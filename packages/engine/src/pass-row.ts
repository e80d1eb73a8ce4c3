import { getTableColumns } from "drizzle-orm";
import { syncPass } from "@uas/db";
import type { SyncPassRow } from "./passes";

const PASS_COLUMNS = Object.entries(getTableColumns(syncPass));

/** A `sync_pass` row read as text (`SELECT *` through a store handle or a raw batch), as drizzle would return it. */
export function passRowFrom(raw: Record<string, unknown>): SyncPassRow {
  return Object.fromEntries(
    PASS_COLUMNS.map(([key, column]) => {
      const value = raw[column.name];
      return [key, value === null || value === undefined ? null : column.mapFromDriverValue(value)];
    }),
  ) as SyncPassRow;
}
