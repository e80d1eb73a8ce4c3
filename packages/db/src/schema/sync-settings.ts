import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";
import { epochMs, flag } from "./columns";
import { facility } from "./organisation";
import { REQUIRE_IDENTIFIER_OPTIONS } from "@uas/domain";

/** Settings → Sync settings, one row per facility. Every source starts off. */
export const syncSettings = sqliteTable("sync_settings", {
  facilityId: text("facility_id")
    .primaryKey()
    .references(() => facility.id, { onDelete: "cascade" }),
  integrationsEnabled: flag("integrations_enabled").notNull().default(false),
  cctvEnabled: flag("cctv_enabled").notNull().default(false),
  requireIdentifier: text("require_identifier", { enum: REQUIRE_IDENTIFIER_OPTIONS })
    .notNull()
    .default("email_or_phone"),
  autoSendInvitations: flag("auto_send_invitations").notNull().default(false),
  /** Mass-disable brake: hold a pass that would disable more than this share of active rows… */
  massDisablePercent: integer("mass_disable_percent").notNull().default(10),
  /** …and at least this many people. */
  massDisableMinimum: integer("mass_disable_minimum").notNull().default(5),
  updatedAt: epochMs("updated_at").notNull(),
});
