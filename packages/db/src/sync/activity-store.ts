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

/** Multi-row inserts of activity entries, up to a page a statement. */
export function entryStatements(origin: EntryOrigin, entries: readonly EntryToWrite[]): string[] {
  return chunks(entries).map((part) => {
    const rows = part.map((e) => [e.facilityId, e.externalId, e.name, e.outcome, e.reason, e.changes ? JSON.stringify(e.changes) : null, e.userId]);
    return `
      INSERT INTO activity_entry (at, organisation_id, facility_id, source, integration_id, external_id, name,
        outcome, reason, changes, pass_id, webhook_id, user_id)
      SELECT ${int(origin.at)}, ${text(origin.organisationId)}, j.value->>0, ${text(origin.source)}, ${text(origin.integrationId)},
        j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, ${text(origin.passId)}, ${text(origin.webhookId)}, j.value->>6
      FROM json_each(${json(rows)}) AS j`;
  });
}
