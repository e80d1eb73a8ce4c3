import { sql } from "drizzle-orm";
import type { AppliedOutcome, ChangedField, SyncSource } from "@uas/domain";
import type { DbOrTx } from "../database";
import { chunks } from "./row-store";

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

/** Multi-row insert of activity entries, a page at a time. */
export async function insertEntries(db: DbOrTx, origin: EntryOrigin, entries: readonly EntryToWrite[]): Promise<void> {
  for (const part of chunks(entries)) {
    const json = JSON.stringify(
      part.map((e) => [e.facilityId, e.externalId, e.name, e.outcome, e.reason, e.changes ? JSON.stringify(e.changes) : null, e.userId]),
    );
    await db.run(sql`
      INSERT INTO activity_entry (at, organisation_id, facility_id, source, integration_id, external_id, name,
        outcome, reason, changes, pass_id, webhook_id, user_id)
      SELECT ${origin.at}, ${origin.organisationId}, j.value->>0, ${origin.source}, ${origin.integrationId},
        j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, ${origin.passId}, ${origin.webhookId}, j.value->>6
      FROM json_each(${json}) AS j`);
  }
}
