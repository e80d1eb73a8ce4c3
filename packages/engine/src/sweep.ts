import { sql } from "drizzle-orm";
import { REMOVAL_REASONS, type SyncSource } from "@uas/domain";
import { jsonLiteral, sqlJoin, sqlText, type DbOrTx, type SqlText } from "@uas/db";
import type { StoreHandle } from "./store-handle";

/**
 * The end-of-pass removal sweep. A row is removed at the source when its listing was read to the end
 * without meeting the person: not seen, not touched by sync since the pass started (a webhook that
 * created or refreshed it meanwhile wins), still active, and not decoupled. `sweepCandidates` is the
 * one definition: the pass end, "Allow" on a held pass and the dry run all use it.
 */
export type SweepScope = {
  facilityId: string;
  source: SyncSource;
  /** The listings read to the end: integration ids, or '' for CCTV. */
  integrationKeys: readonly string[];
  passId: string;
  /** Rows sync touched at or after this time are left alone; null (the dry run: no pass ran) leaves none. */
  passStartedAt: number | null;
  /** When allowing a held pass: only rows unchanged since it was held. */
  unchangedSince?: number;
  /**
   * Who the listings met. A pass recorded them page by page (`sync_pass_page`, ADR 0019); the dry run
   * writes nothing, so it names them: integration key → external ids.
   */
  listed?: ReadonlyMap<string, readonly string[]>;
};

/**
 * Who the listing of `key` met: the pass's page records for it (through the records they repeat), or
 * the dry run's ids. One column per key: a row-value IN over (key, id) pairs was ten times slower once the lists held both.
 */
function listedIn(scope: SweepScope, key: string): SqlText {
  if (scope.listed !== undefined)
    return sqlText`SELECT value FROM json_each(${jsonLiteral(scope.listed.get(key) ?? [])})`;
  return sqlText`SELECT j.value FROM sync_pass_page_lists p, json_each(p.met) j
      WHERE p.pass_id = ${scope.passId} AND p.integration_key = ${key}`;
}

/** The sweep's candidates: the one predicate over `access_user`. */
export function sweepCandidates(scope: SweepScope): SqlText {
  const seen =
    scope.integrationKeys.length === 0
      ? sqlText`false`
      : sqlJoin(
          scope.integrationKeys.map(
            (key) => sqlText`(integration_key = ${key} AND external_id IN (${listedIn(scope, key)}))`,
          ),
          " OR ",
        );
  const untouched =
    scope.passStartedAt === null
      ? sqlText``
      : sqlText` AND (last_synced_at IS NULL OR last_synced_at < ${scope.passStartedAt})`;
  const unchanged =
    scope.unchangedSince === undefined ? sqlText`` : sqlText` AND updated_at <= ${scope.unchangedSince}`;
  return sqlText`facility_id = ${scope.facilityId} AND source = ${scope.source}
    AND integration_key IN (SELECT value FROM json_each(${jsonLiteral(scope.integrationKeys)}))
    AND removed_at_source_at IS NULL AND track_source_updates = 1
    AND NOT (${seen})${untouched}${unchanged}`;
}

/** A drizzle database or transaction, or a write transaction's handle (the pass end's, finish-pass.ts). */
type Store = DbOrTx | StoreHandle;
const run = (db: DbOrTx, statement: SqlText) => db.run(sql.raw(statement.text));
const all = <T>(db: Store, statement: SqlText) =>
  "script" in db ? db.all<T>(statement) : db.all<T>(sql.raw(statement.text));

/**
 * The sweep's candidates (their rowids, valid only within the caller's transaction) and the source's
 * active rows at the facility (the base the brake's percentage is taken of), from one walk over the
 * facility's rows of that source: counting both, then disabling by a second and a third walk cost most
 * of a pass's end.
 */
export async function readSweep(
  db: Store,
  scope: SweepScope,
): Promise<{ candidateRowids: number[]; activeRows: number }> {
  const candidate = scope.integrationKeys.length === 0 ? sqlText`false` : sweepCandidates(scope);
  const [row] = await all<{ rowids: string; active: number }>(
    db,
    sqlText`SELECT json_group_array(rowid) FILTER (WHERE ${candidate}) AS rowids,
      count(*) FILTER (WHERE removed_at_source_at IS NULL) AS active
    FROM access_user WHERE facility_id = ${scope.facilityId} AND source = ${scope.source}`,
  );
  return { candidateRowids: JSON.parse(row?.rowids ?? "[]") as number[], activeRows: row?.active ?? 0 };
}

export type HeldSampleItem = { name: string; externalId: string };

export async function sampleSweepCandidates(db: Store, scope: SweepScope, limit: number): Promise<HeldSampleItem[]> {
  if (scope.integrationKeys.length === 0 || limit <= 0) return [];
  return all<HeldSampleItem>(
    db,
    sqlText`SELECT trim(first_name || ' ' || last_name) AS name, external_id AS externalId FROM access_user
    WHERE ${sweepCandidates(scope)} ORDER BY last_name, first_name, external_id LIMIT ${limit}`,
  );
}

const DISABLED_CHANGES = JSON.stringify([{ field: "removedAtSource", from: false, to: true }]);

/**
 * Disables the candidates `readSweep` found in the same transaction, and writes their Disabled entries
 * (set-based: INSERT … SELECT, then UPDATE). The rows are read by rowid and must still be candidates;
 * entries are written in integration key, external id order.
 */
export function sweepDisableStatements(
  scope: SweepScope,
  candidateRowids: readonly number[],
  origin: { organisationId: string; now: number },
): SqlText[] {
  if (scope.integrationKeys.length === 0 || candidateRowids.length === 0) return [];
  const where = sqlText`rowid IN (SELECT value FROM json_each(${jsonLiteral(candidateRowids)}))
    AND ${sweepCandidates(scope)}`;
  return [
    sqlText`INSERT INTO activity_entry (at, organisation_id, facility_id, source, integration_id, external_id, name, outcome,
      reason, changes, pass_id, webhook_id, user_id)
    SELECT ${origin.now}, ${origin.organisationId}, facility_id, source, integration_id, external_id,
      trim(first_name || ' ' || last_name), 'disabled', ${REMOVAL_REASONS.absentFromListing}, ${DISABLED_CHANGES},
      ${scope.passId}, NULL, id
    FROM access_user WHERE ${where} ORDER BY integration_key, external_id`,
    sqlText`UPDATE access_user SET removed_at_source_at = ${origin.now}, last_synced_at = ${origin.now},
      version = version + 1, updated_at = ${origin.now}
    WHERE ${where}`,
  ];
}

/** `sweepDisableStatements` run one by one: returns how many were disabled. */
export async function applySweepTo(
  db: DbOrTx,
  scope: SweepScope,
  candidateRowids: readonly number[],
  origin: { organisationId: string; now: number },
): Promise<number> {
  const [entries, update] = sweepDisableStatements(scope, candidateRowids, origin);
  if (!entries || !update) return 0;
  await run(db, entries);
  return (await run(db, update)).rowsAffected;
}

/** Reads the sweep and disables its candidates, in the caller's transaction ("Allow" on a held pass). */
export async function applySweep(
  db: DbOrTx,
  scope: SweepScope,
  origin: { organisationId: string; now: number },
): Promise<number> {
  const { candidateRowids } = await readSweep(db, scope);
  return applySweepTo(db, scope, candidateRowids, origin);
}
