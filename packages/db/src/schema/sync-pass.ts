import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { PASS_STATES, PASS_TRIGGERS, SYNC_SOURCES } from "@uas/domain";
import { epochMs, jsonText } from "./columns";
import { facility } from "./organisation";

/** One full pass of one source for one facility. */
export const syncPass = sqliteTable(
  "sync_pass",
  {
    id: text("id").primaryKey(),
    facilityId: text("facility_id")
      .notNull()
      .references(() => facility.id, { onDelete: "cascade" }),
    source: text("source", { enum: SYNC_SOURCES }).notNull(),
    trigger: text("trigger", { enum: PASS_TRIGGERS }).notNull(),
    state: text("state", { enum: PASS_STATES }).notNull(),
    reason: text("reason"),
    /** The facility-local calendar day of a nightly pass: a cron firing twice starts nothing twice. */
    nightlyDate: text("nightly_date"),
    startedAt: epochMs("started_at").notNull(),
    endedAt: epochMs("ended_at"),
    added: integer("added").notNull().default(0),
    updated: integer("updated").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    disabled: integer("disabled").notNull().default(0),
    processed: integer("processed").notNull().default(0),
    pagesDone: integer("pages_done").notNull().default(0),
    recordsDone: integer("records_done").notNull().default(0),
    /** Where the listing continues (per integration cursor), so a pass can span queue messages. */
    progress: jsonText<Record<string, unknown>>("progress"),
    heldCount: integer("held_count"),
    heldSample: jsonText<unknown[]>("held_sample"),
  },
  (t) => [
    uniqueIndex("sync_pass_one_running").on(t.facilityId, t.source).where(sql`${t.state} = 'running'`),
    uniqueIndex("sync_pass_one_nightly").on(t.facilityId, t.source, t.nightlyDate),
    index("sync_pass_facility_started_idx").on(t.facilityId, t.source, t.startedAt),
  ],
);
