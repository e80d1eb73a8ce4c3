import { sql, type SQL } from "drizzle-orm";
import { PROCESSED_NOTES } from "@uas/domain";
import type { DbOrTx } from "../database";
import type { RawEntry } from "./activity";

/**
 * Processed entries derived from a pass's page records (ADR 0019). A full pass does not write an entry
 * (nor a search row) for each unchanged person: its page record lists them, and their entries are
 * read from it, joined to the person's row for the name. Entry ids are the page's reserved range
 * (`first_entry_id` + position), taken from activity_entry's own sequence, so derived and written
 * entries share one newest-first order and one keyset cursor.
 */
/**
 * A `processed` element is the external id, or [external id, note] for an entry with a note: the note's
 * index in PROCESSED_NOTES, or its text (any other note, and records written before notes had an index).
 */
const EXT = sql.raw(`(CASE j.type WHEN 'array' THEN j.value->>0 ELSE j.value END)`);
/** A derived entry's reason from its note (NULL: none): the sentence of a known note's index, or the text. */
function reasonOf(note: SQL): SQL {
  return sql`(CASE ${note} ${sql.join(
    PROCESSED_NOTES.map((text, index) => sql`WHEN ${sql.raw(String(index))} THEN ${text} `),
    sql``,
  )}ELSE ${note} END)`;
}

/** A derived Processed entry of page record `p`: its id, the person's external id, their note. */
function derivedColumns(id: SQL, externalId: SQL, note: SQL): SQL {
  return sql`SELECT ${id} AS "id", p.at AS "at", p.organisation_id AS "organisationId",
    p.facility_id AS "facilityId", p.source AS "source", nullif(p.integration_key, '') AS "integrationId",
    ${externalId} AS "externalId", coalesce(trim(u.first_name || ' ' || u.last_name), '') AS "name",
    'processed' AS "outcome", ${reasonOf(note)} AS "reason", NULL AS "changes", p.pass_id AS "passId",
    NULL AS "webhookId", u.id AS "userId"`;
}

/** Every derived entry of `p`, one per element `j` of its `processed` list. */
const NOTE = sql`(CASE j.type WHEN 'array' THEN j.value->>1 END)`;
const DERIVED = derivedColumns(sql`p.first_entry_id + j.key`, EXT, NOTE);

/**
 * One person's derived entry in each page record `p` of a query that found their index in the record's
 * people (`p.idx`, not among `not_derived`): the id counts the derived people before them, the note is
 * theirs. No page's whole `processed` list is built for it.
 */
const DERIVED_ONE = derivedColumns(
  sql`p.first_entry_id + p.idx - (SELECT count(*) FROM json_each(p.not_derived) x WHERE x.value < p.idx)`,
  sql`p.ext`,
  sql`(SELECT n.value->>1 FROM json_each(p.notes) n WHERE n.value->>0 = p.idx)`,
);

/** The position of `externalId` among the people the page record `alias` met (NULL: not met). */
function metIndex(alias: string, externalId: SQL): SQL {
  return sql`(SELECT d.key FROM json_each(${sql.raw(alias)}.met) d WHERE d.value = ${externalId})`;
}

/**
 * The page records (of the view) that met the person `externalId`, with their index among the people
 * (`idx`) and only the columns DERIVED_ONE reads (the view builds no list nobody reads).
 */
function recordsMeeting(externalId: SQL, from: SQL, where: SQL): SQL {
  return sql`SELECT v.first_entry_id, v.at, v.organisation_id, v.facility_id, v.source, v.integration_key, v.pass_id,
      v.not_derived, v.notes, ${externalId} AS ext,
      ${metIndex("v", externalId)} AS idx
    FROM ${from}
    WHERE v.processed_count > 0 AND instr(v.met, json_quote(${externalId})) > 0 AND ${where}`;
}

/** A person derived in the record `p` found by recordsMeeting (they were met, and are not written there). */
const DERIVED_THERE = sql`p.idx IS NOT NULL AND p.idx NOT IN (SELECT value FROM json_each(p.not_derived))`;

/**
 * Skipped entries derived from a page record's `repeated` list: a person skipped again as their last
 * written Skipped entry (`a`) says, shown as that entry with the page's pass, time and reserved id.
 */
const REPEATED = sql`SELECT p.first_entry_id + p.processed_count + j.key AS "id", p.at AS "at",
    p.organisation_id AS "organisationId", p.facility_id AS "facilityId", p.source AS "source",
    nullif(p.integration_key, '') AS "integrationId", a.external_id AS "externalId", a.name AS "name",
    a.outcome AS "outcome", a.reason AS "reason", NULL AS "changes", p.pass_id AS "passId", NULL AS "webhookId",
    a.user_id AS "userId"`;
const REPEATED_ENTRY = sql`JOIN activity_entry a ON a.id = j.value`;

/** Which derived kinds an outcome filter reads: Processed from `processed`, Skipped from `repeated`. */
type DerivedKinds = { processed: boolean; repeated: boolean };
export function derivedKinds(outcome: string | undefined): DerivedKinds {
  return {
    processed: outcome === undefined || outcome === "processed",
    repeated: outcome === undefined || outcome === "skipped",
  };
}

/**
 * A page's derived entries of the kinds read: their number, and the first one's id (Processed entries
 * take the first ids of the page's range, the repeated Skipped ones the rest).
 */
function rangeOf(kinds: DerivedKinds): { count: SQL; first: SQL } {
  if (kinds.processed && kinds.repeated)
    return { count: sql`(processed_count + repeated_count)`, first: sql`first_entry_id` };
  return kinds.processed
    ? { count: sql`processed_count`, first: sql`first_entry_id` }
    : { count: sql`repeated_count`, first: sql`(first_entry_id + processed_count)` };
}

/**
 * Whether the page record `alias` derives an entry for `externalId`: a cheap look for the id in the
 * record's people first, then its place among them.
 */
function derivesFor(alias: string, externalId: SQL): SQL {
  const p = sql.raw(alias);
  return sql`instr(${p}.met, json_quote(${externalId})) > 0
    AND ${metIndex(alias, externalId)} NOT IN (SELECT value FROM json_each(${p}.not_derived))`;
}

function personJoin(externalId: SQL = EXT): SQL {
  return sql`LEFT JOIN access_user u ON u.facility_id = p.facility_id AND u.source = p.source
    AND u.integration_key = p.integration_key AND u.external_id = ${externalId}`;
}

/**
 * The facility's newest derived entries before `before` (of the passes `passIds` names, if given): the few
 * newest pages, then only their entries.
 */
export async function derivedRecent(
  db: DbOrTx,
  input: { facilityId: string; before: number; limit: number; kinds: DerivedKinds; passIds?: readonly string[] },
) {
  const { facilityId, before, limit, kinds } = input;
  const ofPasses =
    input.passIds === undefined
      ? sql``
      : sql` AND pass_id IN (SELECT value FROM json_each(${JSON.stringify(input.passIds)}))`;
  if (!kinds.processed && !kinds.repeated) return [];
  const range = rangeOf(kinds);
  const pages = await db.all<{ id: number; first: number; count: number }>(sql`
    SELECT rowid AS id, ${range.first} AS first, ${range.count} AS count FROM sync_pass_page
    WHERE facility_id = ${facilityId} AND ${range.first} < ${before} AND ${range.count} > 0${ofPasses}
    ORDER BY first_entry_id DESC LIMIT ${limit}`);
  const chosen: number[] = [];
  let entries = 0;
  for (const page of pages) {
    if (entries >= limit) break;
    chosen.push(page.id);
    entries += Math.min(page.count, before - page.first);
  }
  if (chosen.length === 0) return [];
  const inChosen = sql`p.page_rowid IN (SELECT value FROM json_each(${JSON.stringify(chosen)}))`;
  const parts: SQL[] = [];
  if (kinds.processed)
    parts.push(sql`SELECT * FROM (${DERIVED} FROM sync_pass_page_lists p JOIN json_each(p.processed) j ${personJoin()}
      WHERE ${inChosen})`);
  if (kinds.repeated)
    parts.push(sql`SELECT * FROM (${REPEATED} FROM sync_pass_page_lists p JOIN json_each(p.repeated) j ${REPEATED_ENTRY}
      WHERE ${inChosen})`);
  return newestOf(db, parts, before, limit);
}

/**
 * One person's derived entries, newest first: their external id in the page records of their listing,
 * and their written Skipped entries at the facility in the records' `repeated` lists.
 */
export async function derivedForPerson(
  db: DbOrTx,
  person: { facilityId: string; externalId: string },
  input: { before: number; limit: number; kinds: DerivedKinds },
) {
  const { before, limit, kinds } = input;
  const parts: SQL[] = [];
  if (kinds.processed)
    parts.push(sql`SELECT * FROM (${DERIVED_ONE}
      FROM (${recordsMeeting(
        sql`${person.externalId}`,
        sql`sync_pass_page_lists v`,
        sql`v.facility_id = ${person.facilityId} AND v.first_entry_id < ${before}`,
      )}) p
      ${personJoin(sql`p.ext`)}
      WHERE ${DERIVED_THERE}
      ORDER BY p.first_entry_id DESC LIMIT ${limit})`);
  if (kinds.repeated)
    parts.push(
      repeatedOf(
        sql`SELECT id FROM activity_entry
        WHERE facility_id = ${person.facilityId} AND external_id = ${person.externalId} AND outcome = 'skipped'`,
        person.facilityId,
        before,
        limit,
      ),
    );
  return newestOf(db, parts, before, limit);
}

/**
 * The derived Skipped entries repeating the written entries `anchorIds` selects, newest first: one walk
 * over the facility's repeats (a page record lists only the people skipped again, a few per page).
 */
function repeatedOf(anchorIds: SQL, facilityId: string, before: number, limit: number): SQL {
  return sql`SELECT * FROM (${REPEATED}
    FROM sync_pass_page_lists p JOIN json_each(p.repeated) j ${REPEATED_ENTRY}
    WHERE p.facility_id = ${facilityId} AND p.repeated_count > 0 AND p.first_entry_id < ${before}
      AND j.value IN (${anchorIds}) AND p.first_entry_id + p.processed_count + j.key < ${before}
    ORDER BY 1 DESC LIMIT ${limit})`;
}

/** The newest `limit` entries before `before` of the derived parts (each a SELECT of entries). */
async function newestOf(db: DbOrTx, parts: readonly SQL[], before: number, limit: number): Promise<RawEntry[]> {
  if (parts.length === 0) return [];
  return db.all<RawEntry>(sql`SELECT * FROM (${sql.join([...parts], sql` UNION ALL `)})
    WHERE "id" < ${before} ORDER BY "id" DESC LIMIT ${limit}`);
}

const PASS_ID = /^pas_[A-Za-z0-9_-]+$/;
/** People a name search expands to in derived entries: each costs a scan of the facility's page records. */
const SEARCH_PEOPLE = 20;

/** A search word as a LIKE pattern matching the start of a word (what the FTS index matches on). */
function wordStart(word: string): string {
  return `% ${word.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Derived entries matching a search: every word matches the person's name or external id (or, for a
 * Skipped entry, its reason), or is the pass id. Without a pass id, the facility's people matching the
 * words are found first, then their entries (as `derivedForPerson`), and the written Skipped entries the
 * search index matches (`match`), then their repeats.
 */
export async function derivedSearch(
  db: DbOrTx,
  input: {
    facilityId: string;
    words: readonly string[];
    match: string;
    before: number;
    limit: number;
    kinds: DerivedKinds;
  },
) {
  const { facilityId, before, limit, kinds } = input;
  const passIds = input.words.filter((w) => PASS_ID.test(w));
  const words = input.words.filter((w) => !PASS_ID.test(w));
  const matching = (text: SQL) =>
    sql.join(
      words.map((w) => sql` AND ${text} LIKE ${wordStart(w)} ESCAPE '\\'`),
      sql``,
    );
  // A pass id alone: the pass's newest entries, a few pages' worth, as the log's own list reads them.
  if (passIds.length > 0 && words.length === 0) return derivedRecent(db, { facilityId, before, limit, kinds, passIds });
  const parts: SQL[] = [];
  if (passIds.length > 0) {
    const ofPass = sql`p.pass_id IN (SELECT value FROM json_each(${JSON.stringify(passIds)})) AND p.facility_id = ${facilityId}`;
    const personText = sql`(' ' || lower(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '') || ' ' || ${EXT} || ' ' || coalesce(${reasonOf(NOTE)}, '')))`;
    const skipText = sql`(' ' || lower(a.name || ' ' || a.external_id || ' ' || coalesce(a.reason, '')))`;
    if (kinds.processed)
      parts.push(sql`SELECT * FROM (${DERIVED} FROM sync_pass_page_lists p JOIN json_each(p.processed) j ${personJoin()}
        WHERE ${ofPass}${matching(personText)})`);
    if (kinds.repeated)
      parts.push(sql`SELECT * FROM (${REPEATED} FROM sync_pass_page_lists p JOIN json_each(p.repeated) j ${REPEATED_ENTRY}
        WHERE ${ofPass}${matching(skipText)})`);
  } else if (words.length > 0) {
    const rowText = sql`(' ' || lower(first_name || ' ' || last_name || ' ' || external_id))`;
    // One statement each: the matching people (a few), then each one's page records, newest first. The
    // people are read once (MATERIALIZED), not again for every page record.
    if (kinds.processed)
      parts.push(sql`SELECT * FROM (WITH m(ext) AS MATERIALIZED (SELECT external_id FROM access_user
          WHERE facility_id = ${facilityId} AND external_id IS NOT NULL AND source <> 'manual'${matching(rowText)}
          LIMIT ${SEARCH_PEOPLE})
        , p AS MATERIALIZED (${recordsMeeting(
          sql`m.ext`,
          sql`sync_pass_page_lists v JOIN m`,
          sql`v.facility_id = ${facilityId} AND v.first_entry_id < ${before}`,
        )})
        ${DERIVED_ONE}
        FROM p ${personJoin(sql`p.ext`)}
        WHERE ${DERIVED_THERE}
        ORDER BY 1 DESC LIMIT ${limit})`);
    if (kinds.repeated)
      parts.push(
        repeatedOf(
          sql`SELECT s.rowid FROM activity_search s JOIN activity_entry e ON e.id = s.rowid
          WHERE activity_search MATCH ${input.match} AND e.outcome = 'skipped' AND e.pass_id IS NOT NULL`,
          facilityId,
          before,
          limit,
        ),
      );
  }
  return newestOf(db, parts, before, limit);
}

/** A derived entry by id, if it is this facility's: the page whose reserved range holds it. */
export async function derivedEntry(db: DbOrTx, facilityId: string, id: number) {
  const page = sql`(SELECT * FROM sync_pass_page_lists WHERE facility_id = ${facilityId} AND first_entry_id <= ${id}
    AND processed_count + repeated_count > 0 ORDER BY first_entry_id DESC LIMIT 1) p`;
  const [entry] = await db.all<RawEntry>(sql`SELECT * FROM (${DERIVED} FROM ${page}
      JOIN json_each(p.processed) j ON j.key = ${id} - p.first_entry_id ${personJoin()})
    UNION ALL SELECT * FROM (${REPEATED} FROM ${page}
      JOIN json_each(p.repeated) j ON j.key = ${id} - p.first_entry_id - p.processed_count ${REPEATED_ENTRY})`);
  return entry;
}

/** A pass's derived entries, in order. */
export async function derivedForPass(db: DbOrTx, passId: string) {
  return db.all<RawEntry>(sql`SELECT * FROM (${DERIVED} FROM sync_pass_page_lists p JOIN json_each(p.processed) j ${personJoin()}
      WHERE p.pass_id = ${passId})
    UNION ALL SELECT * FROM (${REPEATED} FROM sync_pass_page_lists p JOIN json_each(p.repeated) j ${REPEATED_ENTRY}
      WHERE p.pass_id = ${passId})
    ORDER BY 1`);
}

/**
 * "Last synced" for people a pass left unchanged (ADR 0019): their row is not written, so the time is
 * the newest page record (of the facility's last 3 passes of that source) whose derived entries list
 * them. Returns user id → time, for those it applies to.
 */
export async function passSyncedTimes(
  db: DbOrTx,
  facilityId: string,
  userIds: readonly string[],
): Promise<Map<string, number>> {
  if (userIds.length === 0) return new Map();
  const rows = await db.all<{ id: string; at: number }>(sql`
    SELECT u.id AS id, max(p.at) AS at FROM access_user u
    JOIN sync_pass_page_lists p ON p.pass_id IN (SELECT s.id FROM sync_pass s WHERE s.facility_id = u.facility_id
        AND s.source = u.source ORDER BY s.started_at DESC LIMIT 3)
      AND p.integration_key = u.integration_key AND p.processed_count > 0
      AND ${derivesFor("p", sql`u.external_id`)}
    WHERE u.facility_id = ${facilityId} AND u.id IN (SELECT value FROM json_each(${JSON.stringify(userIds)}))
    GROUP BY u.id`);
  return new Map(rows.map((r) => [r.id, r.at]));
}

/** The later of a row's stored last-synced time and its pass-derived one. */
export function lastSyncedOf(stored: number | null, derived: number | undefined): number | null {
  if (derived === undefined) return stored;
  return stored === null ? derived : Math.max(stored, derived);
}
