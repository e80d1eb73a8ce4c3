import { sql, type SQL } from "drizzle-orm";
import type { ExistingRow, RecordWrite, SyncPatch, SyncSource } from "@uas/domain";
import type { DbOrTx } from "../database";
import { newId } from "../ids";

/**
 * Set-based reads and writes of synced rows. Each statement carries a whole page as one JSON
 * parameter read with json_each: one statement per page whatever its size, no per-row round trips,
 * and no bound-variable limit to chunk around (chunks only cap the statement's size).
 */

export type RowScope = { facilityId: string; source: SyncSource; integrationId: string | null };
export type StoredRow = ExistingRow & { id: string; externalId: string; facilityId: string };

export const STATEMENT_CHUNK = 500;

export function chunks<T>(items: readonly T[], size = STATEMENT_CHUNK): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

type RawRow = [
  string, string, string, string, string, string | null, string | null, string | null, string | null,
  string[], number | null, number | null, number | null, number | null, number, number,
];

const ROW_JSON = sql`json_group_array(json_array(id, facility_id, external_id, first_name, last_name, email, mobile_phone,
  person_type, membership_status, json(synced_tags), last_synced_at, source_updated_at, removed_at_source_at,
  removal_source_updated_at, access_enabled, track_source_updates))`;

// One JSON value instead of a result row per person: the driver's per-row objects cost more than the query.
async function selectRows(db: DbOrTx, where: SQL): Promise<StoredRow[]> {
  const [result] = await db.all<{ rows: string }>(sql`SELECT ${ROW_JSON} AS rows FROM access_user WHERE ${where}`);
  const raw = JSON.parse(result?.rows ?? "[]") as RawRow[];
  return raw.map((r) => ({
    id: r[0],
    facilityId: r[1],
    externalId: r[2],
    firstName: r[3],
    lastName: r[4],
    email: r[5],
    mobilePhone: r[6],
    personType: r[7],
    membershipStatus: r[8],
    syncedTags: r[9],
    lastSyncedAt: r[10],
    sourceUpdatedAt: r[11],
    removedAtSourceAt: r[12],
    removalSourceUpdatedAt: r[13],
    accessEnabled: r[14] === 1,
    trackSourceUpdates: r[15] === 1,
  }));
}

/** This scope's rows for the given people, by external id (one indexed lookup per key, one statement). */
export async function loadRows(db: DbOrTx, scope: RowScope, externalIds: readonly string[]): Promise<Map<string, StoredRow>> {
  const rows = new Map<string, StoredRow>();
  for (const keys of chunks(externalIds, 1000)) {
    const found = await selectRows(
      db,
      sql`facility_id = ${scope.facilityId} AND source = ${scope.source} AND integration_key = ${scope.integrationId ?? ""}
        AND external_id IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`,
    );
    for (const row of found) rows.set(row.externalId, row);
  }
  return rows;
}

/** One person's rows in any of the given facilities (a webhook concerns every facility holding them). */
export async function loadPersonRows(
  db: DbOrTx,
  input: { facilityIds: readonly string[]; source: SyncSource; integrationId: string | null; externalId: string },
): Promise<Map<string, StoredRow>> {
  if (input.facilityIds.length === 0) return new Map();
  const found = await selectRows(
    db,
    sql`facility_id IN (SELECT value FROM json_each(${JSON.stringify(input.facilityIds)})) AND source = ${input.source}
      AND integration_key = ${input.integrationId ?? ""} AND external_id = ${input.externalId}`,
  );
  return new Map(found.map((row) => [row.facilityId, row]));
}

export type RowWrite = { id: string; externalId: string; write: RecordWrite; patch: SyncPatch };

/** Assigns ids to the rows a plan creates. */
export function newRowId(): string {
  return newId("usr");
}

/**
 * Writes whole sync-owned states with INSERT … ON CONFLICT DO UPDATE. The conflict branch names only
 * sync-owned columns, so admin-owned ones cannot be touched. The `version` value is the increment: a
 * touch (only a newer source `updated_at`) is not a change an admin could see, so it does not bump it.
 */
export async function writeRows(
  db: DbOrTx,
  scope: RowScope,
  input: { passId: string | null; now: number; writes: readonly RowWrite[] },
): Promise<void> {
  for (const part of chunks(input.writes)) {
    const json = JSON.stringify(
      part.map((w) => [
        w.id, w.externalId, w.patch.firstName, w.patch.lastName, w.patch.email, w.patch.mobilePhone,
        w.patch.personType, w.patch.membershipStatus, w.patch.syncedTags, w.patch.lastSyncedAt,
        w.patch.sourceUpdatedAt, w.patch.removedAtSourceAt, w.patch.removalSourceUpdatedAt, w.write === "touch" ? 0 : 1,
      ]),
    );
    await db.run(sql`
      INSERT INTO access_user (id, facility_id, source, integration_id, external_id, first_name, last_name, email,
        mobile_phone, person_type, membership_status, synced_tags, last_synced_at, source_updated_at,
        removed_at_source_at, removal_source_updated_at, seen_pass_id, version, created_at, updated_at)
      SELECT j.value->>0, ${scope.facilityId}, ${scope.source}, ${scope.integrationId}, j.value->>1, j.value->>2,
        j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7, j.value->8, j.value->>9, j.value->>10,
        j.value->>11, j.value->>12, ${input.passId}, j.value->>13, ${input.now}, ${input.now}
      FROM json_each(${json}) AS j WHERE true
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
        updated_at = CASE WHEN excluded.version > 0 THEN excluded.updated_at ELSE access_user.updated_at END`);
  }
}

export type RowMark = { id: string; refresh: boolean };

/** Marks rows the listing contained but the plan did not write, so the end-of-pass sweep passes them by. */
export async function markSeen(db: DbOrTx, input: { passId: string; now: number; marks: readonly RowMark[] }): Promise<void> {
  for (const part of chunks(input.marks, 2000)) {
    const json = JSON.stringify(part.map((m) => [m.id, m.refresh ? 1 : 0]));
    await db.run(sql`
      UPDATE access_user SET
        seen_pass_id = ${input.passId},
        last_synced_at = CASE WHEN j.value->>1 = 1 THEN ${input.now} ELSE last_synced_at END
      FROM json_each(${json}) AS j
      WHERE access_user.id = j.value->>0`);
  }
}
