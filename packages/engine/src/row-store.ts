import type { ExistingRow, RecordWrite, SyncOwnedField, SyncPatch, SyncSource } from "@uas/domain";
import { jsonLiteral, newId, sqlJoin, sqlText, type SqlText, type SqlValue } from "@uas/db";
import {
  FACILITY_COLUMN,
  READ_COLUMNS,
  SYNC_COLUMNS,
  readExpression,
  type EveryFieldRead,
  type RowColumn,
} from "./row-columns";
import type { StoreHandle } from "./store-handle";

/**
 * Set-based reads and writes of synced rows. Each statement carries up to a page of people as one
 * JSON value read with json_each: a statement per page whatever its size, no per-row round trips,
 * and no bound-variable limit (chunks only cap a statement's size).
 */

export type RowScope = { facilityId: string; source: SyncSource; integrationId: string | null };
/** `rowid` is only used within the transaction that read it (a VACUUM may renumber rowids). */
export type StoredRow = EveryFieldRead<
  ExistingRow & { id: string; rowid: number; externalId: string; facilityId: string; recordFingerprint: string | null }
>;

export const STATEMENT_CHUNK = 500;

export function chunks<T>(items: readonly T[], size = STATEMENT_CHUNK): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

// One JSON value instead of a result row per person: the driver's per-row objects cost more than the
// query. Each row is a JSON array (no repeated key names: half the text to build and to parse) of
// READ_COLUMNS (row-columns.ts, derived from the domain's field lists), read back into a StoredRow by
// the same list. `facilityId` is read only when the query spans facilities.
const READ_LIST = sqlJoin(READ_COLUMNS.map(readExpression), ", ");
const READ_LIST_WITH_FACILITY = sqlJoin([...READ_COLUMNS, FACILITY_COLUMN].map(readExpression), ", ");
// Every row starts as a copy of one object with all its fields: rows share one shape, and filling a
// field is a store into an existing slot (about 10x cheaper than growing an empty object field by field).
const ROW_TEMPLATE: Readonly<Record<string, unknown>> = Object.fromEntries(
  [FACILITY_COLUMN, ...READ_COLUMNS].map((column) => [column.field, null]),
);

async function selectRows(db: StoreHandle, where: SqlText, facilityId: string | null): Promise<StoredRow[]> {
  const columns = facilityId === null ? READ_LIST_WITH_FACILITY : READ_LIST;
  const [result] = await db.all<{ rows: string }>(
    sqlText`SELECT json_group_array(json_array(${columns})) AS rows FROM access_user WHERE ${where}`,
  );
  const found = JSON.parse(result?.rows ?? "[]") as unknown[][];
  const rows: StoredRow[] = new Array(found.length);
  const count = READ_COLUMNS.length;
  for (let i = 0; i < found.length; i += 1) {
    const values = found[i] as unknown[];
    const row: Record<string, unknown> = { ...ROW_TEMPLATE };
    row.facilityId = facilityId ?? values[count];
    for (let c = 0; c < count; c += 1) {
      const column = READ_COLUMNS[c] as RowColumn;
      // Flags are 0/1 integers; any other true value reads as SQLite's CASE WHEN would.
      row[column.field] = column.encoding === "flag" ? Boolean(values[c]) : values[c];
    }
    rows[i] = row as StoredRow;
  }
  return rows;
}

function inScope(scope: RowScope): SqlText {
  return sqlText`facility_id = ${scope.facilityId} AND source = ${scope.source} AND integration_key = ${scope.integrationId ?? ""}`;
}

/** This scope's rows for the given people, by external id (one indexed lookup per key, one statement). */
export async function loadRows(
  db: StoreHandle,
  scope: RowScope,
  externalIds: readonly string[],
): Promise<Map<string, StoredRow>> {
  const rows = new Map<string, StoredRow>();
  for (const keys of chunks(externalIds, 1000)) {
    const found = await selectRows(
      db,
      sqlText`${inScope(scope)} AND external_id IN (SELECT value FROM json_each(${jsonLiteral(keys)}))`,
      scope.facilityId,
    );
    for (const row of found) rows.set(row.externalId, row);
  }
  return rows;
}

/** One person's rows in any of the given facilities (a webhook concerns every facility holding them). */
export async function loadPersonRows(
  db: StoreHandle,
  input: { facilityIds: readonly string[]; source: SyncSource; integrationId: string | null; externalId: string },
): Promise<Map<string, StoredRow>> {
  if (input.facilityIds.length === 0) return new Map();
  const found = await selectRows(
    db,
    sqlText`facility_id IN (SELECT value FROM json_each(${jsonLiteral(input.facilityIds)})) AND source = ${input.source}
      AND integration_key = ${input.integrationId ?? ""} AND external_id = ${input.externalId}`,
    null,
  );
  return new Map(found.map((row) => [row.facilityId, row]));
}

/** Several people's rows in any of the given facilities (a batch of webhooks from one sender), one statement. */
export async function loadPeopleRows(
  db: StoreHandle,
  input: {
    facilityIds: readonly string[];
    source: SyncSource;
    integrationId: string | null;
    externalIds: readonly string[];
  },
): Promise<StoredRow[]> {
  if (input.facilityIds.length === 0 || input.externalIds.length === 0) return [];
  const found: StoredRow[] = [];
  for (const keys of chunks(input.externalIds, 1000)) {
    found.push(
      ...(await selectRows(
        db,
        sqlText`facility_id IN (SELECT value FROM json_each(${jsonLiteral(input.facilityIds)})) AND source = ${input.source}
          AND integration_key = ${input.integrationId ?? ""} AND external_id IN (SELECT value FROM json_each(${jsonLiteral(keys)}))`,
        null,
      )),
    );
  }
  return found;
}

/** `fingerprint`: the record's, stored with the write (a pass's page); none (a webhook, a merge) clears it. */
export type RowWrite = {
  id: string;
  externalId: string;
  write: RecordWrite;
  patch: SyncPatch;
  fingerprint?: string | null;
};

/**
 * Ids for the rows sync creates: time-ordered (creation time, then random), so a page's new rows land
 * together at the end of the primary-key index instead of dirtying a random leaf each, which made
 * every page's commit rewrite hundreds of index pages.
 */
export function newRowId(now: number): string {
  const random = newId("").slice(1, 21);
  return `usr_${Math.max(0, Math.floor(now)).toString(16).padStart(12, "0")}${random}`;
}

/**
 * How each sync-owned column is written: JSON columns (tags) always ride in each row's JSON; the others
 * are written once as a literal when a statement's rows all share the value.
 */
const RIDING_COLUMNS = SYNC_COLUMNS.filter((c) => c.encoding === "json");
const SHAREABLE_COLUMNS = SYNC_COLUMNS.filter((c) => c.encoding !== "json");
const INSERT_COLUMNS = sqlJoin(
  SYNC_COLUMNS.map((c) => c.name),
  ", ",
);
const UPDATE_SYNCED = sqlJoin(
  SYNC_COLUMNS.map((c) => sqlText`${c.name} = excluded.${c.name}`),
  ",\n        ",
);

/**
 * Whole sync-owned states, written with INSERT … ON CONFLICT DO UPDATE. The conflict branch names only
 * sync-owned columns, so admin-owned ones cannot be touched. The `version` value is the increment: a
 * touch (only a newer source `updated_at`) is not a change an admin could see, so it does not bump it.
 * A column whose value every row of the statement shares is a literal rather than read from each row's
 * JSON (SQLite re-reads a row's JSON for every `->>`).
 */
export function rowWriteStatements(
  scope: RowScope,
  input: { passId: string | null; now: number; writes: readonly RowWrite[] },
): SqlText[] {
  return chunks(input.writes).map((part) => {
    const first = (part[0] as RowWrite).patch;
    const firstVersion = (part[0] as RowWrite).write === "touch" ? 0 : 1;
    const varies = (field: SyncOwnedField) => {
      const value = first[field];
      if (typeof value === "number" && !Number.isSafeInteger(value)) return true;
      return part.some((w) => w.patch[field] !== value);
    };
    // Each row: id, external id, the riding (JSON) columns, then only the columns that differ within the statement.
    const inRow = [...RIDING_COLUMNS, ...SHAREABLE_COLUMNS.filter((c) => varies(c.field))];
    const versionVaries = part.some((w) => (w.write === "touch" ? 0 : 1) !== firstVersion);
    const fingerprinted = part.some((w) => (w.fingerprint ?? null) !== null);
    const rows = part.map((w) => {
      const row: unknown[] = [w.id, w.externalId];
      for (const column of inRow) row.push(w.patch[column.field]);
      if (versionVaries) row.push(w.write === "touch" ? 0 : 1);
      if (fingerprinted) row.push(w.fingerprint ?? null);
      return row;
    });
    const values = SYNC_COLUMNS.map((column) => {
      const index = inRow.indexOf(column);
      if (index === -1) return sqlText`${first[column.field] as SqlValue}`;
      // `->` keeps JSON as JSON text; `->>` reads a scalar as its SQL value.
      return column.encoding === "json" ? sqlText`j.value->${index + 2}` : sqlText`j.value->>${index + 2}`;
    });
    const version = versionVaries ? sqlText`j.value->>${inRow.length + 2}` : sqlText`${firstVersion}`;
    const fingerprint = fingerprinted
      ? sqlText`j.value->>${inRow.length + 2 + (versionVaries ? 1 : 0)}`
      : sqlText`NULL`;
    return sqlText`
      INSERT INTO access_user (id, facility_id, source, integration_id, external_id, ${INSERT_COLUMNS},
        seen_pass_id, record_fingerprint, version, created_at, updated_at)
      SELECT j.value->>0, ${scope.facilityId}, ${scope.source}, ${scope.integrationId}, j.value->>1,
        ${sqlJoin(values, ", ")}, ${input.passId}, ${fingerprint}, ${version}, ${input.now}, ${input.now}
      FROM json_each(${jsonLiteral(rows)}) AS j WHERE true
      ON CONFLICT (facility_id, source, integration_key, external_id) DO UPDATE SET
        ${UPDATE_SYNCED},
        seen_pass_id = coalesce(excluded.seen_pass_id, access_user.seen_pass_id),
        record_fingerprint = excluded.record_fingerprint,
        version = access_user.version + excluded.version,
        updated_at = CASE WHEN excluded.version > 0 THEN excluded.updated_at ELSE access_user.updated_at END`;
  });
}

/** A row by the rowid read in the same transaction: a direct table lookup, no index walk. */
export type RowMark = { rowid: number; refresh: boolean };

/**
 * Marks rows the listing contained but the plan did not write, so the end-of-pass sweep passes them
 * by; applied rows also get their last-synced time. This is all an unchanged pass writes to rows.
 */
export function markSeenStatements(input: { passId: string; now: number; marks: readonly RowMark[] }): SqlText[] {
  const statements: SqlText[] = [];
  for (const refresh of [true, false]) {
    const rowids = input.marks.filter((m) => m.refresh === refresh).map((m) => m.rowid);
    for (const part of chunks(rowids, 5000)) {
      const lastSynced = refresh ? sqlText`, last_synced_at = ${input.now}` : sqlText``;
      statements.push(sqlText`UPDATE access_user SET seen_pass_id = ${input.passId}${lastSynced}
        WHERE rowid IN (SELECT value FROM json_each(${jsonLiteral(part)}))`);
    }
  }
  return statements;
}
