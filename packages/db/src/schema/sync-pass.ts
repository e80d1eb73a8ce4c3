import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex, primaryKey } from "drizzle-orm/sqlite-core";
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

/**
 * What one page of a pass's listing recorded (ADR 0019): who the page listed, instead of a seen-mark
 * on every row, and who it left unchanged (their Processed entries are derived from this record, not
 * written one by one). Keyed by the cursor the page was read from, so a page applied twice (a retried
 * step) is recorded once.
 */
export const syncPassPage = sqliteTable(
  "sync_pass_page",
  {
    passId: text("pass_id")
      .notNull()
      .references(() => syncPass.id, { onDelete: "cascade" }),
    /** The integration id, or '' for CCTV. */
    integrationKey: text("integration_key").notNull(),
    /** The cursor the page was read from ('' for the first page). */
    pageKey: text("page_key").notNull(),
    at: epochMs("at").notNull(),
    organisationId: text("organisation_id").notNull(),
    facilityId: text("facility_id").notNull(),
    source: text("source", { enum: SYNC_SOURCES }).notNull(),
    /**
     * Every external id the page met, sorted (the sweep passes them by): the same people on the same
     * page are the same list whatever each one's outcome was, so a later night's record can name this one.
     */
    met: text("met").notNull().default("[]"),
    /**
     * Indexes in `met` of the people whose Processed entry is not derived from this record (written,
     * skipped or not refreshed); every other one's is (unchanged, applied).
     */
    notDerived: text("not_derived").notNull().default("[]"),
    /**
     * The derived entries' notes (an invalid email or phone): [index in `met`, the note's index in
     * PROCESSED_NOTES, or its text for any other].
     */
    notes: text("notes").notNull().default("[]"),
    /**
     * The derived Processed entries' ids are firstEntryId + their position among the derived people of
     * `met` (reserved in activity_entry's sequence).
     */
    firstEntryId: integer("first_entry_id").notNull(),
    processedCount: integer("processed_count").notNull(),
    /**
     * Derived Skipped entries: a person skipped again as their last written Skipped entry says (same
     * name, reason and row), kept as that entry's id: stored as its difference from the one before (the
     * first as itself; view `sync_pass_page_lists` gives the ids). Their ids follow the derived Processed ones:
     * firstEntryId + processedCount + their index here.
     */
    repeated: text("repeated").notNull().default("[]"),
    repeatedCount: integer("repeated_count").notNull().default(0),
    /**
     * The pass whose record of the same page (facility, integration, page key) met exactly these people,
     * when one did in the last 30 days: `met` is read from that record (view `sync_pass_page_lists`) and
     * stored empty here.
     */
    sameAsPass: text("same_as_pass"),
  },
  (t) => [
    primaryKey({ columns: [t.passId, t.integrationKey, t.pageKey] }),
    index("sync_pass_page_facility_entry_idx").on(t.facilityId, t.firstEntryId),
    // An unchanged page finds the record it repeats here.
    index("sync_pass_page_original_idx")
      .on(t.facilityId, t.integrationKey, t.pageKey, t.at)
      .where(sql`${t.sameAsPass} IS NULL`),
    // Pruning with the activity log (90 days).
    index("sync_pass_page_at_idx").on(t.at),
  ],
);
