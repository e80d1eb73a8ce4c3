import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { OUTCOMES, SYNC_SOURCES } from "@uas/domain";
import { epochMs, jsonText } from "./columns";

export type ChangedField = { field: string; from: unknown; to: unknown };

/** Sync activity & troubleshooting: one entry per record applied per facility. */
export const activityEntry = sqliteTable(
  "activity_entry",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: epochMs("at").notNull(),
    organisationId: text("organisation_id").notNull(),
    /** NULL for "No facility on the source record": shown to every facility mirroring the integration. */
    facilityId: text("facility_id"),
    source: text("source", { enum: SYNC_SOURCES }).notNull(),
    integrationId: text("integration_id"),
    externalId: text("external_id").notNull(),
    name: text("name").notNull().default(""),
    outcome: text("outcome", { enum: OUTCOMES }).notNull(),
    reason: text("reason"),
    changes: jsonText<ChangedField[]>("changes"),
    passId: text("pass_id"),
    webhookId: text("webhook_id"),
    userId: text("user_id"),
  },
  // Every index costs on each insert, and a pass writes one entry per record: keep them few.
  // Newest-first listing merges one (facility, outcome) range per outcome, so one index serves both
  // "all entries" and "filter by outcome". Search, including by pass, webhook or row id, goes through
  // the activity_search FTS5 table (custom migration): a B-tree on user_id cost more than the FTS
  // index itself, because row ids arrive in random order. Pruning walks the primary key, which follows time.
  (t) => [
    index("activity_facility_outcome_idx").on(t.facilityId, t.outcome, t.id),
    index("activity_unmapped_idx").on(t.integrationId, t.id).where(sql`${t.facilityId} IS NULL`),
    // "No facility on the source record" is written once per integration per night (ADR 0019): a pass
    // looks up the person's last unmapped entry of the integration here.
    // A pass looks up a skipped person's last Skipped entry at the facility here: a repeat is derived
    // from it instead of written (ADR 0019, repeated Skipped entries).
    index("activity_skipped_person_idx").on(t.facilityId, t.externalId, t.id).where(sql`${t.outcome} = 'skipped'`),
    index("activity_unmapped_person_idx").on(t.integrationId, t.externalId, t.at).where(sql`${t.facilityId} IS NULL`),
  ],
);
