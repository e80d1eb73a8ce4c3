import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { epochMs, jsonText } from "./columns";

/** Who did what, for admin actions that cannot be undone (bulk delete, secret rotation, …). */
export const auditEntry = sqliteTable(
  "audit_entry",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    organisationId: text("organisation_id").notNull(),
    facilityId: text("facility_id"),
    actorUserId: text("actor_user_id"),
    action: text("action").notNull(),
    detail: jsonText<Record<string, unknown>>("detail"),
    at: epochMs("at").notNull(),
  },
  (t) => [index("audit_organisation_at_idx").on(t.organisationId, t.at)],
);
