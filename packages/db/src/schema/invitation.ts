import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { epochMs, flag } from "./columns";
import { accessUser } from "./access-user";
import { facility } from "./organisation";

/**
 * App invitation outbox: at most one row per user, so auto-send can never send twice. A row is written
 * in the transaction that makes the person eligible (sync) or by "Send invitations…" (bulk), then
 * handed to the `invitations` queue (`enqueued_at`), claimed by one consumer (`claimed_until`) and
 * marked sent or failed.
 */
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
    /** When the row was last handed to the queue; NULL: not yet (the relay after commit picks it up). */
    enqueuedAt: epochMs("enqueued_at"),
    /** A consumer is sending it until then; an expired claim (a crashed consumer) may be taken again. */
    claimedUntil: epochMs("claimed_until"),
    /** Bumped by each re-send: the idempotency key is per generation, so a re-send is a new email. */
    generation: integer("generation").notNull().default(0),
    /** The "Send invitations…" batch that last queued it. */
    batchId: text("batch_id"),
  },
  (t) => [
    // Covering (user_id): the User Access list's Invitation filter reads ids without a row lookup each.
    index("invitation_facility_state_idx").on(t.facilityId, t.state, t.userId),
    index("invitation_state_enqueued_idx").on(t.state, t.enqueuedAt),
    index("invitation_batch_idx").on(t.batchId),
  ],
);

/** One "Send invitations…" run: who asked, and what was skipped (progress is counted from its rows). */
export const invitationBatch = sqliteTable(
  "invitation_batch",
  {
    id: text("id").primaryKey(),
    facilityId: text("facility_id")
      .notNull()
      .references(() => facility.id, { onDelete: "cascade" }),
    createdAt: epochMs("created_at").notNull(),
    createdBy: text("created_by"),
    resend: flag("resend").notNull().default(false),
    queued: integer("queued").notNull(),
    skippedNoEmail: integer("skipped_no_email").notNull().default(0),
    skippedNoAccess: integer("skipped_no_access").notNull().default(0),
    skippedAlreadyInvited: integer("skipped_already_invited").notNull().default(0),
  },
  (t) => [index("invitation_batch_facility_idx").on(t.facilityId, t.createdAt)],
);
