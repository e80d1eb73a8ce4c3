import type { ExistingRow, RecordWrite, SyncPatch, SyncSource } from "@uas/domain";
import { newId } from "@uas/db";
import { int, json, text, type StoreHandle } from "./store-handle";

/**
 * Set-based reads and writes of synced rows. Each statement carries up to a page of people as one
 * JSON value read with json_each: a statement per page whatever its size, no per-row round trips,
 * and no bound-variable limit (chunks only cap a statement's size).
 */

export type RowScope = { facilityId: string; source: SyncSource; integrationId: string | null };
/** `rowid` is only used within the transaction that read it (a VACUUM may renumber rowids). */
export type StoredRow = ExistingRow & { id: string; rowid: number; externalId: string; facilityId: string };

export const STATEMENT_CHUNK = 500;

export function chunks<T>(items: readonly T[], size = STATEMENT_CHUNK): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

// One JSON value instead of a result row per person: the driver's per-row objects cost more than the
// query. Each row is a JSON array (no repeated key names: half the text to build and to parse), read
// into a StoredRow here. `facilityId` is read only when the query spans facilities.
const ROW_COLUMNS = `id, external_id, first_name, last_name, email, mobile_phone, person_type, membership_status,
  json(synced_tags), last_synced_at, source_updated_at, removed_at_source_at, removal_source_updated_at,
  access_enabled, track_source_updates, rowid`;

type RowArray = [
  id: string,
  externalId: string,
  firstName: string,
  lastName: string,
  email: string | null,
  mobilePhone: string | null,
  personType: string | null,
  membershipStatus: string | null,
  syncedTags: string[],
  lastSyncedAt: number | null,
  sourceUpdatedAt: number | null,
  removedAtSourceAt: number | null,
  removalSourceUpdatedAt: number | null,
  accessEnabled: number,
  trackSourceUpdates: number,
  rowid: number,
  facilityId?: string,
];

async function selectRows(db: StoreHandle, where: string, facilityId: string | null): Promise<StoredRow[]> {
  const columns = facilityId === null ? `${ROW_COLUMNS}, facility_id` : ROW_COLUMNS;
  const [result] = await db.all<{ rows: string }>(
    `SELECT json_group_array(json_array(${columns})) AS rows FROM access_user WHERE ${where}`,
  );
  const found = JSON.parse(result?.rows ?? "[]") as RowArray[];
  const rows: StoredRow[] = new Array(found.length);
  for (let i = 0; i < found.length; i += 1) {
    const r = found[i] as RowArray;
    rows[i] = {
      id: r[0],
      facilityId: facilityId ?? (r[16] as string),
      externalId: r[1],
      firstName: r[2],
      lastName: r[3],
      email: r[4],
      mobilePhone: r[5],
      personType: r[6],
      membershipStatus: r[7],
      syncedTags: r[8],
      lastSyncedAt: r[9],
      sourceUpdatedAt: r[10],
      removedAtSourceAt: r[11],
      removalSourceUpdatedAt: r[12],
      // Flags are 0/1 integers; any other true value reads as SQLite's CASE WHEN would.
      accessEnabled: Boolean(r[13]),
      trackSourceUpdates: Boolean(r[14]),
      rowid: r[15],
    };
  }
  return rows;
}

function inScope(scope: RowScope): string {
  return `facility_id = ${text(scope.facilityId)} AND source = ${text(scope.source)} AND integration_key = ${text(scope.integrationId ?? "")}`;
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
      `${inScope(scope)} AND external_id IN (SELECT value FROM json_each(${json(keys)}))`,
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
    `facility_id IN (SELECT value FROM json_each(${json(input.facilityIds)})) AND source = ${text(input.source)}
      AND integration_key = ${text(input.integrationId ?? "")} AND external_id = ${text(input.externalId)}`,
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
        `facility_id IN (SELECT value FROM json_each(${json(input.facilityIds)})) AND source = ${text(input.source)}
          AND integration_key = ${text(input.integrationId ?? "")} AND external_id IN (SELECT value FROM json_each(${json(keys)}))`,
        null,
      )),
    );
  }
  return found;
}

export type RowWrite = { id: string; externalId: string; write: RecordWrite; patch: SyncPatch };

/**
 * Ids for the rows sync creates: time-ordered (creation time, then random), so a page's new rows land
 * together at the end of the primary-key index instead of dirtying a random leaf each, which made
 * every page's commit rewrite hundreds of index pages.
 */
export function newRowId(now: number): string {
  const random = newId("").slice(1, 21);
  return `usr_${Math.max(0, Math.floor(now)).toString(16).padStart(12, "0")}${random}`;
}

/** Patch fields written once as a literal when a statement's rows all share the value (tags always ride in the JSON). */
const SHAREABLE_ROW_FIELDS = [
  "firstName",
  "lastName",
  "email",
  "mobilePhone",
  "personType",
  "membershipStatus",
  "lastSyncedAt",
  "sourceUpdatedAt",
  "removedAtSourceAt",
  "removalSourceUpdatedAt",
] as const satisfies readonly (keyof SyncPatch)[];

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
): string[] {
  return chunks(input.writes).map((part) => {
    const first = (part[0] as RowWrite).patch;
    const firstVersion = (part[0] as RowWrite).write === "touch" ? 0 : 1;
    const varies = (field: (typeof SHAREABLE_ROW_FIELDS)[number]) => {
      const value = first[field];
      if (typeof value === "number" && !Number.isSafeInteger(value)) return true;
      return part.some((w) => w.patch[field] !== value);
    };
    const varying = SHAREABLE_ROW_FIELDS.filter(varies);
    const versionVaries = part.some((w) => (w.write === "touch" ? 0 : 1) !== firstVersion);
    // Each row: id, external id, tags (JSON), then only the columns that differ within the statement.
    const rows = part.map((w) => {
      const row: unknown[] = [w.id, w.externalId, w.patch.syncedTags];
      for (const field of varying) row.push(w.patch[field]);
      if (versionVaries) row.push(w.write === "touch" ? 0 : 1);
      return row;
    });
    const column = (field: (typeof SHAREABLE_ROW_FIELDS)[number]) => {
      const index = varying.indexOf(field);
      if (index !== -1) return `j.value->>${index + 3}`;
      const value = first[field];
      return typeof value === "number" ? int(value) : text(value);
    };
    const version = versionVaries ? `j.value->>${varying.length + 3}` : int(firstVersion);
    return `
      INSERT INTO access_user (id, facility_id, source, integration_id, external_id, first_name, last_name, email,
        mobile_phone, person_type, membership_status, synced_tags, last_synced_at, source_updated_at,
        removed_at_source_at, removal_source_updated_at, seen_pass_id, version, created_at, updated_at)
      SELECT j.value->>0, ${text(scope.facilityId)}, ${text(scope.source)}, ${text(scope.integrationId)}, j.value->>1,
        ${column("firstName")}, ${column("lastName")}, ${column("email")}, ${column("mobilePhone")}, ${column("personType")},
        ${column("membershipStatus")}, j.value->2, ${column("lastSyncedAt")}, ${column("sourceUpdatedAt")},
        ${column("removedAtSourceAt")}, ${column("removalSourceUpdatedAt")}, ${text(input.passId)}, ${version},
        ${int(input.now)}, ${int(input.now)}
      FROM json_each(${json(rows)}) AS j WHERE true
      ON CONFLICT (facility_id, source, integration_key, external_id) DO UPDATE SET
        first_name = excluded.first_name,
        last_name = excluded.last_name,
        email = excluded.email,
        mobile_phone = excluded.mobile_phone,
        person_type = excluded.person_type,
        membership_status = excluded.membership_status,
        synced_tags = excluded.synced_tags,
        last_synced_at = excluded.last_synced_at,
        source_updated_at = excluded.source_updated_at,
        removed_at_source_at = excluded.removed_at_source_at,
        removal_source_updated_at = excluded.removal_source_updated_at,
        seen_pass_id = coalesce(excluded.seen_pass_id, access_user.seen_pass_id),
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
export function markSeenStatements(input: { passId: string; now: number; marks: readonly RowMark[] }): string[] {
  const statements: string[] = [];
  for (const refresh of [true, false]) {
    const rowids = input.marks.filter((m) => m.refresh === refresh).map((m) => m.rowid);
    for (const part of chunks(rowids, 5000)) {
      const lastSynced = refresh ? `, last_synced_at = ${int(input.now)}` : "";
      statements.push(`UPDATE access_user SET seen_pass_id = ${text(input.passId)}${lastSynced}
        WHERE rowid IN (SELECT value FROM json_each(${json(part)}))`);
    }
  }
  return statements;
}
