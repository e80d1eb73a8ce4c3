import { jsonLiteral, sqlText, type SqlText } from "@uas/db";
import type { PlannedEntry } from "@uas/domain";
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
  /** Derived Processed entries, in page order: entry ids are the reserved range's first id + index. */
  processed: string[];
  /** Everyone else the page met (written, skipped, not refreshed): the sweep passes them by. */
  listed: string[];
};

/**
 * A Processed entry is derived (not written) when it says nothing a derived one cannot: a pass's
 * facility entry for an existing row, no reason, no changes.
 */
export function isDerivedEntry(entry: PlannedEntry, rowExists: boolean): boolean {
  return (
    entry.scope === "facility" &&
    entry.outcome === "processed" &&
    entry.reason === null &&
    entry.changes === null &&
    rowExists
  );
}

/**
 * The page record, with its derived entries' ids reserved in activity_entry's AUTOINCREMENT sequence
 * (so they interleave with written entries in time order and keyset pages as before). A page already
 * recorded is left as it is.
 */
export function pageRecordStatements(scope: RowScope, origin: EntryOrigin, record: PageRecord): SqlText[] {
  if (origin.passId === null) return [];
  const count = record.processed.length;
  const reserve =
    count === 0
      ? []
      : [
          sqlText`INSERT INTO sqlite_sequence (name, seq) SELECT 'activity_entry', 0
            WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'activity_entry')`,
          sqlText`UPDATE sqlite_sequence SET seq = seq + ${count} WHERE name = 'activity_entry'`,
        ];
  return [
    ...reserve,
    sqlText`INSERT INTO sync_pass_page (pass_id, integration_key, page_key, at, organisation_id, facility_id, source,
      processed, listed, first_entry_id, processed_count)
    VALUES (${origin.passId}, ${scope.integrationId ?? ""}, ${record.pageKey}, ${origin.at}, ${origin.organisationId},
      ${scope.facilityId}, ${scope.source}, ${jsonLiteral(record.processed)}, ${jsonLiteral(record.listed)},
      coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'activity_entry'), 0) - ${count} + 1, ${count})
    ON CONFLICT DO NOTHING`,
  ];
}
