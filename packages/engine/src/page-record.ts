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
  /** Everyone the page met (written, derived, skipped, not refreshed), in any order: the sweep passes them by. */
  met: readonly string[];
  /** Those among them whose Processed entry is derived: external id → the entry's note (null: none). */
  derived: ReadonlyMap<string, string | null>;
  /** Derived Skipped entries, in page order: the id of the written Skipped entry each one repeats. */
  repeated: number[];
};

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
 * record); the derived ones are the list's people outside `notDerived`, in its order (their entry ids);
 * a note is kept by its index in PROCESSED_NOTES, a few bytes instead of a sentence (its text if unknown).
 */
function storedLists(record: PageRecord): { met: string[]; notDerived: number[]; notes: [number, number | string][] } {
  const met = [...new Set([...record.met, ...record.derived.keys()])].sort();
  const notDerived: number[] = [];
  const notes: [number, number | string][] = [];
  met.forEach((externalId, index) => {
    const note = record.derived.get(externalId);
    if (note === undefined) notDerived.push(index);
    else if (note !== null) {
      const known = PROCESSED_NOTES.indexOf(note);
      notes.push([index, known === -1 ? note : known]);
    }
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
  const count = record.derived.size + record.repeated.length;
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
      ${record.derived.size}, ${jsonLiteral(differences(record.repeated))}, ${record.repeated.length},
      original.pass_id
    FROM page LEFT JOIN original ON true WHERE true
    ON CONFLICT DO NOTHING`,
  ];
}
