import { and, eq, sql, type SQL } from "drizzle-orm";
import { OUTCOMES, type Outcome } from "@uas/domain";
import type { DbOrTx } from "../database";
import { type activityEntry, facilityIntegration } from "../schema";
import {
  derivedEntry,
  derivedForPass,
  derivedForPerson,
  derivedKinds,
  derivedRecent,
  derivedSearch,
} from "./derived-activity";

export type ActivityEntryRow = typeof activityEntry.$inferSelect;

export type ListActivityInput = {
  facilityId: string;
  outcome?: Outcome;
  /** Matches name, external id, reason and ids (pass, webhook, row); words are ANDed, the last is a prefix. A row id alone lists that row's entries. */
  search?: string;
  /** Keyset cursor: the previous page's `nextCursor`. */
  before?: number | null;
  limit?: number;
};

export type ActivityPage = { entries: ActivityEntryRow[]; nextCursor: number | null };

const MAX_LIMIT = 200;

const COLUMN_NAMES: [column: string, alias: string][] = [
  ["id", "id"],
  ["at", "at"],
  ["organisation_id", "organisationId"],
  ["facility_id", "facilityId"],
  ["source", "source"],
  ["integration_id", "integrationId"],
  ["external_id", "externalId"],
  ["name", "name"],
  ["outcome", "outcome"],
  ["reason", "reason"],
  ["changes", "changes"],
  ["pass_id", "passId"],
  ["webhook_id", "webhookId"],
  ["user_id", "userId"],
];

function columns(table = "activity_entry"): SQL {
  return sql.raw(COLUMN_NAMES.map(([column, alias]) => `${table}.${column} AS "${alias}"`).join(", "));
}

export type RawEntry = Omit<ActivityEntryRow, "changes"> & { changes: string | null };

function toEntry(raw: RawEntry): ActivityEntryRow {
  return { ...raw, changes: raw.changes === null ? null : JSON.parse(raw.changes) };
}

/** The integrations whose unmapped ("No facility on the source record") entries this facility sees. */
async function mirroredIntegrationIds(db: DbOrTx, facilityId: string): Promise<string[]> {
  const rows = await db
    .select({ integrationId: facilityIntegration.integrationId })
    .from(facilityIntegration)
    .where(and(eq(facilityIntegration.facilityId, facilityId), eq(facilityIntegration.enabled, true)));
  return rows.map((row) => row.integrationId);
}

/**
 * A facility's sync activity, newest first. Without a search, each (facility, outcome) index range and
 * each mirrored integration's unmapped range is read newest-first up to the limit and merged, so a
 * page costs a few short index scans however many millions of entries exist. With a search, the FTS5
 * index (scoped by facility token) yields matches newest-first.
 */
export async function listActivity(db: DbOrTx, input: ListActivityInput): Promise<ActivityPage> {
  const limit = Math.max(1, Math.min(input.limit ?? 50, MAX_LIMIT));
  const before = input.before ?? Number.MAX_SAFE_INTEGER;
  const search = input.search?.trim() ?? "";
  const row = /^\S+$/.test(search) ? await syncedRow(db, input.facilityId, search) : undefined;
  if (row) return rowActivity(db, { ...input, row, before, limit });
  const integrations = await mirroredIntegrationIds(db, input.facilityId);
  const query = ftsQuery(search, input.facilityId, integrations);
  const rows =
    query === null
      ? await listRecent(db, input, integrations, before, limit + 1)
      : await searchRecent(db, query, input.outcome, before, limit + 1);
  // Processed and repeated Skipped entries a pass derived from its page records (ADR 0019) join the written ones.
  const kinds = derivedKinds(input.outcome);
  const derived =
    query === null
      ? await derivedRecent(db, { facilityId: input.facilityId, before, limit: limit + 1, kinds })
      : await derivedSearch(db, {
          facilityId: input.facilityId,
          words: searchWords(search),
          match: query,
          before,
          limit: limit + 1,
          kinds,
        });
  return toPage(newestFirst(rows, derived), limit);
}

function newestFirst(written: RawEntry[], derived: RawEntry[]): RawEntry[] {
  if (derived.length === 0) return written;
  return [...written, ...derived].sort((a, b) => b.id - a.id);
}

function toPage(rows: RawEntry[], limit: number): ActivityPage {
  const entries = rows.slice(0, limit).map(toEntry);
  const last = entries[entries.length - 1];
  return { entries, nextCursor: rows.length > limit && last ? last.id : null };
}

/** A synced row of this facility, when the search is its id. */
async function syncedRow(db: DbOrTx, facilityId: string, id: string) {
  const [row] = await db.all<{ id: string; externalId: string }>(sql`
    SELECT id, external_id AS externalId FROM access_user
    WHERE id = ${id} AND facility_id = ${facilityId} AND external_id IS NOT NULL`);
  return row;
}

/**
 * A row's entries. Row ids are not in the search index (a unique token per entry made indexing a
 * third slower), so the row's external id finds its entries, and the row id filters them.
 */
async function rowActivity(
  db: DbOrTx,
  input: ListActivityInput & { row: { id: string; externalId: string }; before: number; limit: number },
): Promise<ActivityPage> {
  const match = `scope : (${quoted(input.facilityId)}) AND body : (${quoted(input.row.externalId)})`;
  const outcomeFilter = input.outcome ? sql` AND e.outcome = ${input.outcome}` : sql``;
  const rows = await db.all<RawEntry>(sql`
    SELECT ${columns("e")}
    FROM activity_search s JOIN activity_entry e ON e.id = s.rowid
    WHERE activity_search MATCH ${match} AND s.rowid < ${input.before} AND e.user_id = ${input.row.id}${outcomeFilter}
    ORDER BY s.rowid DESC LIMIT ${input.limit + 1}`);
  const derived = await derivedForPerson(
    db,
    { facilityId: input.facilityId, externalId: input.row.externalId },
    { before: input.before, limit: input.limit + 1, kinds: derivedKinds(input.outcome) },
  );
  return toPage(
    newestFirst(
      rows,
      derived.filter((e) => e.userId === input.row.id),
    ),
    input.limit,
  );
}

async function listRecent(db: DbOrTx, input: ListActivityInput, integrations: string[], before: number, limit: number) {
  const outcomes = input.outcome ? [input.outcome] : [...OUTCOMES];
  const ranges: SQL[] = outcomes.map(
    (outcome) => sql`SELECT * FROM (SELECT ${columns()} FROM activity_entry
      WHERE facility_id = ${input.facilityId} AND outcome = ${outcome} AND id < ${before} ORDER BY id DESC LIMIT ${limit})`,
  );
  for (const integrationId of integrations) {
    const outcome = input.outcome ? sql` AND outcome = ${input.outcome}` : sql``;
    ranges.push(sql`SELECT * FROM (SELECT ${columns()} FROM activity_entry
      WHERE integration_id = ${integrationId} AND facility_id IS NULL${outcome} AND id < ${before} ORDER BY id DESC LIMIT ${limit})`);
  }
  return db.all<RawEntry>(sql`SELECT * FROM (${sql.join(ranges, sql` UNION ALL `)}) ORDER BY id DESC LIMIT ${limit}`);
}

async function searchRecent(db: DbOrTx, match: string, outcome: Outcome | undefined, before: number, limit: number) {
  const outcomeFilter = outcome ? sql` AND e.outcome = ${outcome}` : sql``;
  return db.all<RawEntry>(sql`
    SELECT ${columns("e")}
    FROM activity_search s JOIN activity_entry e ON e.id = s.rowid
    WHERE activity_search MATCH ${match} AND s.rowid < ${before}${outcomeFilter}
    ORDER BY s.rowid DESC LIMIT ${limit}`);
}

function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** A search's words: up to 8, each holding a letter or digit. */
function searchWords(search: string): string[] {
  return search
    .split(/\s+/)
    .filter((word) => /[\p{L}\p{N}]/u.test(word))
    .slice(0, 8);
}

/** Builds the FTS5 expression, or null for an empty search. User text is always quoted: no FTS syntax leaks through. */
export function ftsQuery(search: string, facilityId: string, integrationIds: readonly string[]): string | null {
  const words = searchWords(search);
  if (words.length === 0) return null;
  const scopes = [facilityId, ...integrationIds.map((id) => `unmapped_${id}`)].map(quoted).join(" OR ");
  const terms = words.map((word, i) => (i === words.length - 1 ? `${quoted(word)}*` : quoted(word))).join(" AND ");
  return `scope : (${scopes}) AND body : (${terms})`;
}

/** One entry, if this facility may see it. */
export async function getActivityEntry(
  db: DbOrTx,
  input: { facilityId: string; id: number },
): Promise<ActivityEntryRow | undefined> {
  const [raw] = await db.all<RawEntry>(sql`SELECT ${columns()} FROM activity_entry WHERE id = ${input.id}`);
  if (!raw) {
    const derived = await derivedEntry(db, input.facilityId, input.id);
    return derived ? toEntry(derived) : undefined;
  }
  if (raw.facilityId === input.facilityId) return toEntry(raw);
  if (raw.facilityId === null && raw.integrationId !== null) {
    const integrations = await mirroredIntegrationIds(db, input.facilityId);
    if (integrations.includes(raw.integrationId)) return toEntry(raw);
  }
  return undefined;
}

/** A User Access row's sync history, newest first (empty for a row sync never wrote). */
export async function listUserActivity(
  db: DbOrTx,
  input: { facilityId: string; userId: string; before?: number | null; limit?: number },
): Promise<ActivityPage> {
  const row = await syncedRow(db, input.facilityId, input.userId);
  if (!row) return { entries: [], nextCursor: null };
  const limit = Math.max(1, Math.min(input.limit ?? 50, MAX_LIMIT));
  return rowActivity(db, { facilityId: input.facilityId, row, before: input.before ?? Number.MAX_SAFE_INTEGER, limit });
}

/** A pass's entries, written and derived, in order. */
export async function listPassActivity(db: DbOrTx, passId: string): Promise<ActivityEntryRow[]> {
  const written = await db.all<RawEntry>(sql`SELECT ${columns()} FROM activity_entry WHERE pass_id = ${passId}`);
  const derived = await derivedForPass(db, passId);
  return [...written, ...derived].sort((a, b) => a.id - b.id).map(toEntry);
}

export const ACTIVITY_RETENTION_DAYS = 90;

/** The most rows one retention statement deletes (a queue message runs one; docs/scaling.md). */
export const PRUNE_BATCH_MAX = 5000;

/**
 * How many days a written entry or page record stands for the ones that repeat it (derived from it, ADR
 * 0019: a pass's Skipped entry, a page record): it is kept this much longer than the retention, so it
 * outlives everything derived from it.
 */
export const REPEAT_SOURCE_DAYS = 30;
export const REPEAT_SOURCE_MS = REPEAT_SOURCE_DAYS * 86_400_000;

const activityCutoff = (now: number, retentionDays = ACTIVITY_RETENTION_DAYS) => now - retentionDays * 86_400_000;

/** An entry past the retention, unless it is a pass's Skipped entry that repeats may still derive from. */
function prunable(cutoff: number): SQL {
  return sql`at < ${cutoff} AND NOT (outcome = 'skipped' AND pass_id IS NOT NULL AND at >= ${cutoff - REPEAT_SOURCE_MS})`;
}

/** A page record past the retention, unless later records of the same page may still repeat it. */
function pageRecordPrunable(cutoff: number): SQL {
  return sql`at < ${cutoff} AND NOT (same_as_pass IS NULL AND at >= ${cutoff - REPEAT_SOURCE_MS})`;
}

/**
 * Whether the activity walk, started now, would prune anything: an entry past the retention in its first
 * batch, or a page record past it. The cron sends the walk only then (one cheap read instead of a message
 * every quarter hour).
 */
export function activityPruneDue(now: number, batchSize = PRUNE_BATCH_MAX): SQL {
  const cutoff = activityCutoff(now);
  const batch = Math.min(batchSize, PRUNE_BATCH_MAX);
  return sql`(EXISTS (SELECT 1 FROM (SELECT at, outcome, pass_id FROM activity_entry ORDER BY id LIMIT ${batch})
      WHERE ${prunable(cutoff)})
    OR EXISTS (SELECT 1 FROM sync_pass_page WHERE ${pageRecordPrunable(cutoff)}))`;
}

/**
 * One bounded step of the activity retention: looks at the next `batchSize` entries by primary key after
 * `after` (ids follow time) and deletes those older than the retention, in one statement over that id
 * range. `next` is where the following step starts, or null once the range reached entries still within
 * the retention (or the end of the table). Idempotent: a repeated step deletes nothing more.
 */
export async function pruneActivity(input: {
  db: DbOrTx;
  now: number;
  retentionDays?: number;
  /** The id the previous step ended at; omitted, the walk starts at the oldest entry. */
  after?: number;
  batchSize?: number;
}): Promise<{ deleted: number; next: number | null }> {
  const cutoff = activityCutoff(input.now, input.retentionDays);
  const batchSize = Math.min(input.batchSize ?? PRUNE_BATCH_MAX, PRUNE_BATCH_MAX);
  const after = input.after ?? Number.MIN_SAFE_INTEGER;
  const [batch] = await input.db.all<{ last: number | null; newest: number | null }>(sql`
    SELECT max(id) AS last, max(at) AS newest FROM (SELECT id, at FROM activity_entry WHERE id > ${after} ORDER BY id LIMIT ${batchSize})`);
  if (!batch || batch.last === null || batch.newest === null) {
    await prunePageRecords(input.db, cutoff, Number.MAX_SAFE_INTEGER);
    return { deleted: 0, next: null };
  }
  const result = await input.db.run(
    sql`DELETE FROM activity_entry WHERE id > ${after} AND id <= ${batch.last} AND ${prunable(cutoff)}`,
  );
  await prunePageRecords(input.db, cutoff, batch.last);
  return { deleted: result.rowsAffected, next: batch.newest >= cutoff ? null : batch.last };
}

/**
 * Page records hold the derived entries (ADR 0019): they go with the entries' retention, as the walk
 * passes their reserved ids (a bounded statement on the `at` index). One that later records repeat stays
 * as long as they may.
 */
async function prunePageRecords(db: DbOrTx, cutoff: number, upToEntryId: number): Promise<void> {
  await db.run(sql`DELETE FROM sync_pass_page WHERE rowid IN (SELECT rowid FROM sync_pass_page
    WHERE ${pageRecordPrunable(cutoff)} AND first_entry_id <= ${upToEntryId} ORDER BY at LIMIT ${PRUNE_BATCH_MAX / 10})`);
}
