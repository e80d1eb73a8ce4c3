import { sql } from "drizzle-orm";
import { sqliteTable, text, primaryKey, index } from "drizzle-orm/sqlite-core";
import { SOURCES } from "@uas/domain";
import { epochMs } from "./columns";
import { facility } from "./organisation";

/**
 * A removal that arrived before the person's first upsert (rule 3 skips it: there is no row). Delivery
 * order is not guaranteed, so it is remembered: an older upsert arriving later creates the row already
 * removed at the source, as applying the events in `updated_at` order would have left it.
 */
export const sourceRemoval = sqliteTable(
  "source_removal",
  {
    facilityId: text("facility_id")
      .notNull()
      .references(() => facility.id, { onDelete: "cascade" }),
    source: text("source", { enum: SOURCES }).notNull(),
    /** The integration id, or '' for CCTV (the key of access_user's unique index). */
    integrationKey: text("integration_key").notNull(),
    externalId: text("external_id").notNull(),
    /** The removal's `updated_at` at the source. */
    sourceUpdatedAt: epochMs("source_updated_at").notNull(),
    recordedAt: epochMs("recorded_at").notNull().default(sql`0`),
  },
  (t) => [
    primaryKey({ columns: [t.facilityId, t.source, t.integrationKey, t.externalId] }),
    index("source_removal_recorded_idx").on(t.recordedAt),
  ],
);
