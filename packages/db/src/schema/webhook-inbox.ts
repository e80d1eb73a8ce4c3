import { sqliteTable, text, integer, primaryKey, index } from "drizzle-orm/sqlite-core";
import { epochMs } from "./columns";

/** Durable inbox: a webhook is acknowledged only once stored here, keyed by sender and webhook-id. */
export const webhookInbox = sqliteTable(
  "webhook_inbox",
  {
    /** `integration:<id>` or `cctv:<facilityId>`. */
    sender: text("sender").notNull(),
    webhookId: text("webhook_id").notNull(),
    organisationId: text("organisation_id").notNull(),
    receivedAt: epochMs("received_at").notNull(),
    payload: text("payload").notNull(),
    state: text("state", { enum: ["received", "enqueued", "applied", "failed"] }).notNull(),
    attempts: integer("attempts").notNull().default(0),
    appliedAt: epochMs("applied_at"),
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.sender, t.webhookId] }), index("webhook_inbox_state_idx").on(t.state, t.receivedAt)],
);
