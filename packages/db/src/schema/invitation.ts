import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { epochMs } from "./columns";
import { accessUser } from "./access-user";

/** App invitation outbox: at most one row per user, so auto-send can never send twice. */
export const invitation = sqliteTable(
  "invitation",
  {
    userId: text("user_id")
      .primaryKey()
      .references(() => accessUser.id, { onDelete: "cascade" }),
    facilityId: text("facility_id").notNull(),
    email: text("email").notNull(),
    state: text("state", { enum: ["queued", "sent", "failed"] }).notNull(),
    trigger: text("trigger", { enum: ["auto", "bulk"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    queuedAt: epochMs("queued_at").notNull(),
    sentAt: epochMs("sent_at"),
    providerMessageId: text("provider_message_id"),
  },
  (t) => [index("invitation_facility_state_idx").on(t.facilityId, t.state)],
);
