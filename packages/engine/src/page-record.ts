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
   * Derived Processed entries, in page order (entry ids are the reserved range's first id + index): the
   * external id, or [external id, note] for an entry with a note (an invalid email or phone): the note's
   * index in PROCESSED_NOTES, or its text for any other.
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
  // The lists as stored, or, when a record of the same page from the last 30 days (not itself a repeat)
  // holds exactly these, empty with that record's pass: an unchanged page costs a reference. The repeated
  // Skipped entries stay in every record (a few ids), so a record's anchors are never older than its own.
  const lists = sqlText`SELECT ${jsonLiteral(record.processed)} AS processed, ${jsonLiteral(record.listed)} AS listed`;
  return [
    ...reserve,
    sqlText`WITH page AS (${lists}), original AS (SELECT o.pass_id FROM sync_pass_page o, page
      WHERE o.facility_id = ${scope.facilityId} AND o.integration_key = ${scope.integrationId ?? ""}
        AND o.page_key = ${record.pageKey} AND o.source = ${scope.source} AND o.same_as_pass IS NULL AND o.at >= ${origin.at - REPEAT_SOURCE_MS}
        AND o.processed = page.processed AND o.listed = page.listed
      ORDER BY o.at DESC LIMIT 1)
    INSERT INTO sync_pass_page (pass_id, integration_key, page_key, at, organisation_id, facility_id, source,
      processed, listed, first_entry_id, processed_count, repeated, repeated_count, same_as_pass)
    SELECT ${origin.passId}, ${scope.integrationId ?? ""}, ${record.pageKey}, ${origin.at}, ${origin.organisationId},
      ${scope.facilityId}, ${scope.source}, iif(original.pass_id IS NULL, page.processed, '[]'),
      iif(original.pass_id IS NULL, page.listed, '[]'),
      coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'activity_entry'), 0) - ${count} + 1,
      ${record.processed.length}, ${jsonLiteral(record.repeated)}, ${record.repeated.length},
      original.pass_id
    FROM page LEFT JOIN original ON true WHERE true
    ON CONFLICT DO NOTHING`,
  ];
}
