import { sql, type SQL } from "drizzle-orm";
import { REMOVAL_REASONS, type SyncSource } from "@uas/domain";
import type { DbOrTx } from "@uas/db";
import { int, json, text } from "./store-handle";

/**
 * The end-of-pass removal sweep. A row is removed at the source when the pass read its listing to the
 * end without meeting the person: not seen by this pass, not touched by sync since the pass started
 * (a webhook that created or refreshed it meanwhile wins), still active, and not decoupled.
 */
export type SweepScope = {
  facilityId: string;
  source: SyncSource;
  /** The listings read to the end: integration ids, or '' for CCTV. */
  integrationKeys: readonly string[];
  passId: string;
  passStartedAt: number;
  /** When allowing a held pass: only rows unchanged since it was held. */
  unchangedSince?: number;
};

function candidates(scope: SweepScope): SQL {
  const unchanged = scope.unchangedSince === undefined ? sql`` : sql` AND updated_at <= ${scope.unchangedSince}`;
  return sql`facility_id = ${scope.facilityId} AND source = ${scope.source}
    AND integration_key IN (SELECT value FROM json_each(${JSON.stringify(scope.integrationKeys)}))
    AND removed_at_source_at IS NULL AND track_source_updates = 1
    AND (seen_pass_id IS NULL OR seen_pass_id <> ${scope.passId})
    AND (last_synced_at IS NULL OR last_synced_at < ${scope.passStartedAt})${unchanged}`;
}

export async function countSweepCandidates(db: DbOrTx, scope: SweepScope): Promise<number> {
  if (scope.integrationKeys.length === 0) return 0;
  const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM access_user WHERE ${candidates(scope)}`);
  return row?.n ?? 0;
}

export type HeldSampleItem = { name: string; externalId: string };

export async function sampleSweepCandidates(db: DbOrTx, scope: SweepScope, limit: number): Promise<HeldSampleItem[]> {
  if (scope.integrationKeys.length === 0) return [];
  return db.all<HeldSampleItem>(sql`
    SELECT trim(first_name || ' ' || last_name) AS name, external_id AS externalId FROM access_user
    WHERE ${candidates(scope)} ORDER BY last_name, first_name, external_id LIMIT ${limit}`);
}

/** The source's active rows at this facility: the base the brake's percentage is taken of. */
export async function countActiveRows(db: DbOrTx, facilityId: string, source: SyncSource): Promise<number> {
  const [row] = await db.all<{ n: number }>(sql`
    SELECT count(*) AS n FROM access_user
    WHERE facility_id = ${facilityId} AND source = ${source} AND removed_at_source_at IS NULL`);
  return row?.n ?? 0;
}

const DISABLED_CHANGES = JSON.stringify([{ field: "removedAtSource", from: false, to: true }]);

/** Disables every candidate and writes their Disabled entries, set-based (INSERT … SELECT, then UPDATE). */
export async function applySweep(
  db: DbOrTx,
  scope: SweepScope,
  origin: { organisationId: string; now: number },
): Promise<number> {
  if (scope.integrationKeys.length === 0) return 0;
  await db.run(sql`
    INSERT INTO activity_entry (at, organisation_id, facility_id, source, integration_id, external_id, name, outcome,
      reason, changes, pass_id, webhook_id, user_id)
    SELECT ${origin.now}, ${origin.organisationId}, facility_id, source, integration_id, external_id,
      trim(first_name || ' ' || last_name), 'disabled', ${REMOVAL_REASONS.absentFromListing}, ${DISABLED_CHANGES},
      ${scope.passId}, NULL, id
    FROM access_user WHERE ${candidates(scope)}`);
  const result = await db.run(sql`
    UPDATE access_user SET removed_at_source_at = ${origin.now}, last_synced_at = ${origin.now},
      version = version + 1, updated_at = ${origin.now}
    WHERE ${candidates(scope)}`);
  return result.rowsAffected;
}

/** The candidates' conditions beyond facility and source, as SQL text (see `candidates`). */
function candidateText(scope: SweepScope): string {
  const unchanged = scope.unchangedSince === undefined ? "" : ` AND updated_at <= ${int(scope.unchangedSince)}`;
  return `integration_key IN (SELECT value FROM json_each(${json(scope.integrationKeys)}))
    AND removed_at_source_at IS NULL AND track_source_updates = 1
    AND (seen_pass_id IS NULL OR seen_pass_id <> ${text(scope.passId)})
    AND (last_synced_at IS NULL OR last_synced_at < ${int(scope.passStartedAt)})${unchanged}`;
}

/**
 * The sweep's candidates (their rowids, valid only within the caller's transaction) and the source's
 * active rows at the facility, from one walk over the facility's rows of that source: counting both,
 * then disabling by a second and a third walk cost most of a pass's end.
 */
export async function readSweep(
  db: DbOrTx,
  scope: SweepScope,
): Promise<{ candidateRowids: number[]; activeRows: number }> {
  const candidate = scope.integrationKeys.length === 0 ? "false" : candidateText(scope);
  const [row] = await db.all<{ rowids: string; active: number }>(
    sql.raw(`SELECT json_group_array(rowid) FILTER (WHERE ${candidate}) AS rowids,
      count(*) FILTER (WHERE removed_at_source_at IS NULL) AS active
    FROM access_user WHERE facility_id = ${text(scope.facilityId)} AND source = ${text(scope.source)}`),
  );
  return { candidateRowids: JSON.parse(row?.rowids ?? "[]") as number[], activeRows: row?.active ?? 0 };
}

/**
 * applySweep for candidates `readSweep` found in the same transaction: the rows are read by rowid (and
 * must still be candidates), entries in the order applySweep writes them. Returns how many were disabled.
 */
export async function applySweepTo(
  db: DbOrTx,
  scope: SweepScope,
  candidateRowids: readonly number[],
  origin: { organisationId: string; now: number },
): Promise<number> {
  if (scope.integrationKeys.length === 0 || candidateRowids.length === 0) return 0;
  const where = `rowid IN (SELECT value FROM json_each(${json(candidateRowids)}))
    AND facility_id = ${text(scope.facilityId)} AND source = ${text(scope.source)} AND ${candidateText(scope)}`;
  await db.run(
    sql.raw(`INSERT INTO activity_entry (at, organisation_id, facility_id, source, integration_id, external_id, name, outcome,
      reason, changes, pass_id, webhook_id, user_id)
    SELECT ${int(origin.now)}, ${text(origin.organisationId)}, facility_id, source, integration_id, external_id,
      trim(first_name || ' ' || last_name), 'disabled', ${text(REMOVAL_REASONS.absentFromListing)}, ${text(DISABLED_CHANGES)},
      ${text(scope.passId)}, NULL, id
    FROM access_user WHERE ${where} ORDER BY integration_key, external_id`),
  );
  const result = await db.run(
    sql.raw(`UPDATE access_user SET removed_at_source_at = ${int(origin.now)}, last_synced_at = ${int(origin.now)},
      version = version + 1, updated_at = ${int(origin.now)}
    WHERE ${where}`),
  );
  return result.rowsAffected;
}
