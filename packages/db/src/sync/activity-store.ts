import type { AppliedOutcome, ChangedField, SyncSource } from "@uas/domain";
import { chunks } from "./row-store";
import { int, json, text } from "./store-handle";

export type EntryOrigin = {
  organisationId: string;
  source: SyncSource;
  integrationId: string | null;
  passId: string | null;
  webhookId: string | null;
  at: number;
};

export type EntryToWrite = {
  /** null: "No facility on the source record", shown to every facility mirroring the integration. */
  facilityId: string | null;
  externalId: string;
  name: string;
  outcome: AppliedOutcome;
  reason: string | null;
  changes: ChangedField[] | null;
  userId: string | null;
};

/** The columns an entry carries, in the order a row of the statement's JSON lists those that vary. */
const ENTRY_FIELDS = ["facilityId", "externalId", "name", "outcome", "reason", "changes", "userId"] as const;
/** Usually the same for a whole page (its facility, Processed, no reason, no changes): written once as literals. */
const SHARED_CANDIDATES = new Set<string>(["facilityId", "outcome", "reason", "changes"]);

type EntryValues = Record<(typeof ENTRY_FIELDS)[number], string | null>;

function entryValues(e: EntryToWrite): EntryValues {
  return {
    facilityId: e.facilityId,
    externalId: e.externalId,
    name: e.name,
    outcome: e.outcome,
    reason: e.reason,
    changes: e.changes ? JSON.stringify(e.changes) : null,
    userId: e.userId,
  };
}

/**
 * Multi-row inserts of activity entries, up to a page a statement. A column whose value is the same
 * for every entry of the statement is written once as a literal instead of being read from each row
 * of the JSON: SQLite re-reads a row's JSON for every `->>`, which was a third of the insert's time.
 */
export function entryStatements(origin: EntryOrigin, entries: readonly EntryToWrite[]): string[] {
  return chunks(entries).map((part) => {
    const values = part.map(entryValues);
    const first = values[0] as EntryValues;
    const varying = ENTRY_FIELDS.filter((field) => !SHARED_CANDIDATES.has(field) || values.some((v) => v[field] !== first[field]));
    const column = (field: (typeof ENTRY_FIELDS)[number]) => {
      const index = varying.indexOf(field);
      return index === -1 ? text(first[field]) : `j.value->>${index}`;
    };
    const rows = values.map((v) => varying.map((field) => v[field]));
    return `
      INSERT INTO activity_entry (at, organisation_id, facility_id, source, integration_id, external_id, name,
        outcome, reason, changes, pass_id, webhook_id, user_id)
      SELECT ${int(origin.at)}, ${text(origin.organisationId)}, ${column("facilityId")}, ${text(origin.source)}, ${text(origin.integrationId)},
        ${column("externalId")}, ${column("name")}, ${column("outcome")}, ${column("reason")}, ${column("changes")},
        ${text(origin.passId)}, ${text(origin.webhookId)}, ${column("userId")}
      FROM json_each(${json(rows)}) AS j`;
  });
}
