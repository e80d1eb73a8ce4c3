import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { ACCESS_RULE_KINDS } from "@uas/domain";
import { epochMs, jsonText } from "./columns";
import { facility } from "./organisation";

/**
 * Settings → Access Rules, per facility. No row: the facility never saved its rules and keeps the
 * starting set (every type and status admitted, no grace), so nothing changes until an admin does.
 */
export const accessRuleSet = sqliteTable("access_rule_set", {
  facilityId: text("facility_id")
    .primaryKey()
    .references(() => facility.id, { onDelete: "cascade" }),
  graceDays: integer("grace_days").notNull().default(0),
  updatedAt: epochMs("updated_at").notNull(),
  updatedBy: text("updated_by"),
});

/** One rule of a saved set; the set's rules are replaced together. */
export const accessRule = sqliteTable(
  "access_rule",
  {
    id: text("id").primaryKey(),
    facilityId: text("facility_id")
      .notNull()
      .references(() => facility.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    kind: text("kind", { enum: ACCESS_RULE_KINDS }).notNull(),
    /** "If <person type> …": null is "Any type". */
    personType: text("person_type"),
    /** "… and status is <statuses>": empty is "Any status". */
    statuses: jsonText<string[]>("statuses").notNull().default(sql`'[]'`),
    /** "By tags": one of these synced or custom tags is enough. */
    tags: jsonText<string[]>("tags").notNull().default(sql`'[]'`),
  },
  (t) => [index("access_rule_facility_idx").on(t.facilityId, t.position)],
);

/**
 * The door's key for `POST /v1/access/check`, one per facility. Only a SHA-256 of the key is kept: it
 * is shown once when created or rotated, and rotating replaces it at once.
 */
export const doorApiKey = sqliteTable("door_api_key", {
  facilityId: text("facility_id")
    .primaryKey()
    .references(() => facility.id, { onDelete: "cascade" }),
  keyHash: text("key_hash").notNull(),
  /** The key's first characters, so the admin can tell which key a controller holds. */
  keyPrefix: text("key_prefix").notNull(),
  createdAt: epochMs("created_at").notNull(),
  createdBy: text("created_by"),
});
