import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { epochMs } from "./columns";
import { accessUser } from "./access-user";

/** Door events. Kept when a user is deleted: the name and external id are copied onto each entry. */
export const accessLogEntry = sqliteTable(
  "access_log_entry",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    facilityId: text("facility_id").notNull(),
    userId: text("user_id").references(() => accessUser.id, { onDelete: "set null" }),
    personName: text("person_name").notNull(),
    externalId: text("external_id"),
    door: text("door").notNull(),
    result: text("result", { enum: ["granted", "denied"] }).notNull(),
    at: epochMs("at").notNull(),
  },
  (t) => [index("access_log_facility_at_idx").on(t.facilityId, t.at), index("access_log_user_idx").on(t.userId, t.at)],
);
