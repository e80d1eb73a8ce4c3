import { jsonLiteral, REPEAT_SOURCE_MS, sqlText, type SqlText } from "@uas/db";
import { PROCESSED_NOTES, type PlannedEntry } from "@uas/domain";
import type { EntryOrigin } from "./activity-store";
import type { RowScope } from "./row-store";

/**
 * A pass's record of one listing page (ADR 0019): who the page met, in one row, instead of a seen-mark
 * on each person's row; and who it left unchanged, whose Processed entries the activity log derives
 * from this record instead of storing one entry (and one search row) each.
 */
export type PageRecord = {
  /** The cursor the page was read from ('' for the first page): a page applied again is recorded once. */
  pageKey: string;
  /**
   * Derived Processed entries: the external id, or [external id, note] for an entry with a note (an
   * invalid email or phone): the note's index in PROCESSED_NOTES, or its text for any other. Stored in
   * the order of external ids (entry ids are the reserved range's first id + position).
   */
  processed: DerivedPerson[];
  /** Derived Skipped entries, in page order: the id of the written Skipped entry each one repeats. */
  repeated: number[];
  /** Everyone else the page met (written, skipped, not refreshed): the sweep passes them by. */
  listed: string[];
};

export type DerivedPerson = string | [string, number | string];

/** How a derived entry is kept in its page record: a known note by its index, a few bytes instead of a sentence. */
export function derivedPerson(externalId: string, reason: string | null): DerivedPerson {
  if (reason === null) return externalId;
  const known = PROCESSED_NOTES.indexOf(reason);
  return [externalId, known === -1 ? reason : known];
}

/**
 * A Processed entry is derived (not written) when it says nothing a derived one cannot: a pass's
 * facility entry for an existing row, with no changes (its note, if any, rides in the record).
 */
export function isDerivedEntry(entry: PlannedEntry, rowExists: boolean): boolean {
  return entry.scope === "facility" && entry.outcome === "processed" && entry.changes === null && rowExists;
}

/**
 * The record as stored: everyone the page met as one sorted list, so the same people on the same page
 * make the same list whatever their outcomes were (the night after a first sync names the first night's
 * record); the derived ones are the list's people outside `notDerived`, in its order.
 */
function storedLists(record: PageRecord): { met: string[]; notDerived: number[]; notes: [number, number | string][] } {
  const notesOf = new Map<string, number | string>();
  for (const person of record.processed) if (typeof person !== "string") notesOf.set(person[0], person[1]);
  const derived = new Set(record.processed.map((person) => (typeof person === "string" ? person : person[0])));
  const met = [...new Set([...derived, ...record.listed])].sort();
  const notDerived: number[] = [];
  const notes: [number, number | string][] = [];
  met.forEach((externalId, index) => {
    if (!derived.has(externalId)) notDerived.push(index);
    const note = notesOf.get(externalId);
    if (note !== undefined) notes.push([index, note]);
  });
  return { met, notDerived, notes };
}

/** The anchor ids as stored: each as its difference from the one before (mostly 1: written together). */
function differences(ids: readonly number[]): number[] {
  return ids.map((id, index) => (index === 0 ? id : id - (ids[index - 1] as number)));
}

/**
 * The page record, with its derived entries' ids reserved in activity_entry's AUTOINCREMENT sequence
 * (so they interleave with written entries in time order and keyset pages as before). A page already
 * recorded is left as it is.
 */
export function pageRecordStatements(scope: RowScope, origin: EntryOrigin, record: PageRecord): SqlText[] {
  if (origin.passId === null) return [];
  const count = record.processed.length + record.repeated.length;
  const reserve =
    count === 0
      ? []
      : [
          sqlText`INSERT INTO sqlite_sequence (name, seq) SELECT 'activity_entry', 0
            WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'activity_entry')`,
          sqlText`UPDATE sqlite_sequence SET seq = seq + ${count} WHERE name = 'activity_entry'`,
        ];
  const { met, notDerived, notes } = storedLists(record);
  // The people as stored, or, when a record of the same page from the last 30 days (not itself a repeat)
  // met exactly these, empty with that record's pass: an unchanged page costs a reference. Which of them
  // are derived, their notes and the repeated Skipped entries stay in every record (a few numbers).
  return [
    ...reserve,
    sqlText`WITH page AS (SELECT ${jsonLiteral(met)} AS met), original AS (SELECT o.pass_id FROM sync_pass_page o, page
      WHERE o.facility_id = ${scope.facilityId} AND o.integration_key = ${scope.integrationId ?? ""}
        AND o.page_key = ${record.pageKey} AND o.source = ${scope.source} AND o.same_as_pass IS NULL AND o.at >= ${origin.at - REPEAT_SOURCE_MS}
        AND o.met = page.met
      ORDER BY o.at DESC LIMIT 1)
    INSERT INTO sync_pass_page (pass_id, integration_key, page_key, at, organisation_id, facility_id, source,
      met, not_derived, notes, first_entry_id, processed_count, repeated, repeated_count, same_as_pass)
    SELECT ${origin.passId}, ${scope.integrationId ?? ""}, ${record.pageKey}, ${origin.at}, ${origin.organisationId},
      ${scope.facilityId}, ${scope.source}, iif(original.pass_id IS NULL, page.met, '[]'),
      ${jsonLiteral(notDerived)}, ${jsonLiteral(notes)},
      coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'activity_entry'), 0) - ${count} + 1,
      ${record.processed.length}, ${jsonLiteral(differences(record.repeated))}, ${record.repeated.length},
      original.pass_id
    FROM page LEFT JOIN original ON true WHERE true
    ON CONFLICT DO NOTHING`,
  ];
}
