import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, uniqueIndex } from "drizzle-orm/sqlite-core";
import { SOURCES } from "@uas/domain";
import { epochMs, flag, jsonText } from "./columns";
import { facility } from "./organisation";
import { integration } from "./integration";

/** A User Access row: a person who may open this facility's doors. */
export const accessUser = sqliteTable(
  "access_user",
  {
    id: text("id").primaryKey(),
    facilityId: text("facility_id")
      .notNull()
      .references(() => facility.id, { onDelete: "cascade" }),
    source: text("source", { enum: SOURCES }).notNull(),
    integrationId: text("integration_id").references(() => integration.id),
    // SQLite treats NULLs as distinct in unique indexes, so the key folds "no integration" to ''.
    integrationKey: text("integration_key")
      .notNull()
      .generatedAlwaysAs(sql`coalesce(integration_id, '')`, { mode: "virtual" }),
    externalId: text("external_id"),

    // Sync-owned: overwritten from the source on every pass.
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    email: text("email"),
    mobilePhone: text("mobile_phone"),
    personType: text("person_type"),
    membershipStatus: text("membership_status"),
    syncedTags: jsonText<string[]>("synced_tags").notNull().default(sql`'[]'`),
    lastSyncedAt: epochMs("last_synced_at"),
    /** The source's `updated_at` of the last record this row took: older events change nothing. */
    sourceUpdatedAt: epochMs("source_updated_at"),
    removedAtSourceAt: epochMs("removed_at_source_at"),
    /** The source's `updated_at` of that removal: an older upsert refreshes details without bringing the person back. */
    removalSourceUpdatedAt: epochMs("removal_source_updated_at"),
    /** The last full pass whose listing contained this person (removal sweep). */
    seenPassId: text("seen_pass_id"),
    /**
     * A hash of the listing record (and the settings its plan reads) this row last took from a pass, when
     * that record's plan had no note: the same record again at a tracked, present row is Processed
     * without being planned again (ADR 0019, amendment). Null after any other write (a webhook, a merge).
     */
    recordFingerprint: text("record_fingerprint"),
    /**
     * The end of the paid period when the source gives one: rule-based access ends at this moment with no
     * write needed. Sync-owned; the partner contract carries no such field today, the native connectors
     * (Mindbody expiration, PushPress paidUntil, ABC nextBillingDate when past due) will fill it.
     */
    paidUntil: epochMs("paid_until"),

    // Access rules' memory between writes (see nextGraceState in the domain, ADR 0010).
    /** Whether the facility's rules matched the person at the last write that looked. */
    rulesMatched: flag("rules_matched").notNull().default(false),
    /** A running grace period ends here; cleared by the cron once passed, or at once when the rules match again. */
    graceUntil: epochMs("grace_until"),
    /** The membership status that ended the match: "grace: membership Expired". */
    graceStatus: text("grace_status"),
    /**
     * When effective access ends (0: it has none; ACCESS_FOREVER: until further notice), the access rules'
     * one definition (accessUntilSql) stored so "Has access" is `access_until > now` on an index. Kept
     * current by triggers (migration 0011) and by saving a rule set; never written by application code.
     */
    accessUntil: epochMs("access_until").notNull().default(0),
    /**
     * The state of the person's invitation row (queued, sent, failed; NULL: none), copied by triggers on
     * the invitation table (invitationStateTriggerStatements) so the Invitation chip is an index range.
     */
    invitationState: text("invitation_state", { enum: ["queued", "sent", "failed"] }),
    /**
     * Whether the person holds a per-user grant, copied by triggers on access_grant
     * (grantFlagTriggerStatements) so the Access chip's "Without grants" is an index range.
     */
    hasGrants: flag("has_grants").notNull().default(false),

    // Admin-owned: sync never writes these.
    accessEnabled: flag("access_enabled").notNull().default(true),
    trackSourceUpdates: flag("track_source_updates").notNull().default(true),
    customTags: jsonText<string[]>("custom_tags").notNull().default(sql`'[]'`),
    notes: text("notes").notNull().default(""),
    appMessage: text("app_message").notNull().default(""),

    /** Bumped on every write; bulk delete fingerprints (id, version). */
    version: integer("version").notNull().default(1),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("access_user_source_key").on(t.facilityId, t.source, t.integrationKey, t.externalId),
    index("access_user_facility_name_idx").on(t.facilityId, t.lastName, t.firstName),
    index("access_user_facility_email_idx").on(t.facilityId, t.email),
    // The User Access list (queries/user-list.ts). A filtered list scans the facility through this one:
    // its entries are in rowid order, so the table is read front to back instead of a random lookup per
    // row in another index's order (ten times the cost at 100,000 rows).
    index("access_user_facility_idx").on(t.facilityId),
    // "Recently added" and "Recently updated" walk these (a page without a scan).
    index("access_user_facility_created_idx").on(t.facilityId, t.createdAt),
    index("access_user_facility_updated_idx").on(t.facilityId, t.updatedAt),
    // "Last synced": a pass rewrites last_synced_at on the rows it lists, and this index with it; the
    // price of a sort that walks an index instead of sorting the facility (100,000 rows) per page.
    index("access_user_facility_synced_idx").on(t.facilityId, t.lastSyncedAt),
    // The Access chip's "Disabled": the few rows an admin switched off or the source removed.
    index("access_user_facility_disabled_idx")
      .on(t.facilityId)
      .where(sql`access_enabled = 0 OR removed_at_source_at IS NOT NULL`),
    // The Tag chip's count reads these narrow entries, not the table's rows.
    index("access_user_facility_tags_idx").on(t.facilityId, t.syncedTags, t.customTags),
    // The Membership status and Person type chips: their options, and their filters.
    index("access_user_facility_status_idx").on(t.facilityId, t.membershipStatus),
    index("access_user_facility_type_idx").on(t.facilityId, t.personType),
    // "Has access" / "No access" and the stat tiles: a range of this index, no table row read.
    index("access_user_facility_access_idx").on(t.facilityId, t.accessUntil),
    // The Access chip's "Without grants": a range of this index, no table row read.
    index("access_user_facility_grants_idx").on(t.facilityId, t.hasGrants),
    // The Invitation chip's count and filter.
    index("access_user_facility_invitation_idx").on(t.facilityId, t.invitationState),
    // The Source chip's count and filter.
    index("access_user_facility_source_idx").on(t.facilityId, t.source, t.integrationId),
    index("access_user_facility_phone_idx").on(t.facilityId, t.mobilePhone),
    // The cron finds ended graces by time alone: its work is the graces that ended, not the table.
    index("access_user_grace_until_idx").on(t.graceUntil).where(sql`grace_until IS NOT NULL`),
  ],
);

/** Per-user grants (admin-owned). */
export const accessGrant = sqliteTable(
  "access_grant",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => accessUser.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [index("access_grant_user_idx").on(t.userId)],
);
