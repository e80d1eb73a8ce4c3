import type { AppliedOutcome, ChangedField, SyncSource } from "@uas/domain";
import { chunks } from "./row-store";
import { jsonLiteral, sqlText, type SqlText } from "@uas/db";

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
  /** The entry's webhook when it differs from the origin's: a batch of webhooks is written as one statement. */
  webhookId?: string | null;
};

/**
 * Multi-row inserts of activity entries, up to a page a statement. A column whose value is the same
 * for every entry of the statement (a page's facility, Processed, no reason, no changes) is written
 * once as a literal instead of being read from each row of the JSON: SQLite re-reads a row's JSON for
 * every `->>`, which was a third of the insert's time.
 */
/**
 * "No facility on the source record" is written once per integration per night (ADR 0019): every
 * facility mirroring the integration reads the same listing, and each pass would repeat it. A pass
 * leaves out a person whose unmapped entry the integration already has from the last 12 hours.
 */
export const UNMAPPED_ENTRY_ONCE_PER_MS = 12 * 60 * 60 * 1000;

export function entryStatements(origin: EntryOrigin, entries: readonly EntryToWrite[]): SqlText[] {
  if (origin.passId === null || origin.integrationId === null || entries.every((e) => e.facilityId !== null))
    return insertStatements(origin, entries, sqlText``);
  const once = sqlText` WHERE NOT EXISTS (SELECT 1 FROM activity_entry AS e WHERE e.integration_id = ${origin.integrationId}
    AND e.facility_id IS NULL AND e.external_id = j.value->>0 AND e.at >= ${origin.at - UNMAPPED_ENTRY_ONCE_PER_MS})`;
  return [
    ...insertStatements(
      origin,
      entries.filter((e) => e.facilityId !== null),
      sqlText``,
    ),
    ...insertStatements(
      origin,
      entries.filter((e) => e.facilityId === null),
      once,
    ),
  ];
}

function insertStatements(origin: EntryOrigin, entries: readonly EntryToWrite[], where: SqlText): SqlText[] {
  return chunks(entries).map((part) => {
    const changes = part.map((e) => (e.changes ? JSON.stringify(e.changes) : null));
    const webhookIds = part.map((e) => (e.webhookId === undefined ? origin.webhookId : e.webhookId));
    const first = part[0] as EntryToWrite;
    const shared = {
      facilityId: part.every((e) => e.facilityId === first.facilityId),
      outcome: part.every((e) => e.outcome === first.outcome),
      reason: part.every((e) => e.reason === first.reason),
      changes: changes.every((c) => c === changes[0]),
      webhookId: webhookIds.every((w) => w === webhookIds[0]),
    };
    // Each row: external id, name, user id, then the columns that differ within the statement.
    const varying = (["facilityId", "outcome", "reason", "changes", "webhookId"] as const).filter(
      (field) => !shared[field],
    );
    const cell = (field: (typeof varying)[number], i: number): string | null =>
      field === "changes"
        ? (changes[i] as string | null)
        : field === "webhookId"
          ? (webhookIds[i] as string | null)
          : (part[i] as EntryToWrite)[field];
    const rows = part.map((e, i) => [e.externalId, e.name, e.userId, ...varying.map((field) => cell(field, i))]);
    const column = (field: (typeof varying)[number]) => {
      const index = varying.indexOf(field);
      if (index !== -1) return sqlText`j.value->>${index + 3}`;
      return sqlText`${cell(field, 0)}`;
    };
    return sqlText`
      INSERT INTO activity_entry (at, organisation_id, facility_id, source, integration_id, external_id, name,
        outcome, reason, changes, pass_id, webhook_id, user_id)
      SELECT ${origin.at}, ${origin.organisationId}, ${column("facilityId")}, ${origin.source}, ${origin.integrationId},
        j.value->>0, j.value->>1, ${column("outcome")}, ${column("reason")}, ${column("changes")},
        ${origin.passId}, ${column("webhookId")}, j.value->>2
      FROM json_each(${jsonLiteral(rows)}) AS j${where}`;
  });
}
