import { effectiveAccess } from "../access/effective-access";
import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../database";

/**
 * The invitation outbox after commit: relaying queued rows to the queue, the consumer's claim and
 * outcome, and the sweeper. Every transition is one conditional UPDATE, so two workers racing on a
 * row cannot both win it.
 */

const ids = (rows: Array<{ user_id: string }>) => rows.map((r) => r.user_id);

/** Marks up to `limit` queued rows that were never handed to the queue as handed, and returns them. */
export async function claimUnenqueuedInvitations(db: DbOrTx, input: { now: number; limit: number }): Promise<string[]> {
  // A read first: with nothing to hand over (Auto-send off, the usual case after a webhook batch) no
  // UPDATE waits for the database's one write lock behind a running pass. A row queued after this read
  // is its writer's own relay's to hand over (relays run after their commit), or the cron's.
  const [pending] = await db.all<{ n: number }>(
    sql`SELECT EXISTS (SELECT 1 FROM invitation WHERE state = 'queued' AND enqueued_at IS NULL) AS n`,
  );
  if (!pending?.n) return [];
  const rows = await db.all<{ user_id: string }>(sql`
    UPDATE invitation SET enqueued_at = ${input.now}
    WHERE user_id IN (SELECT user_id FROM invitation WHERE state = 'queued' AND enqueued_at IS NULL LIMIT ${input.limit})
    RETURNING user_id`);
  return ids(rows);
}

/** The enqueue failed: hand the rows back to the next relay. */
export async function releaseEnqueueClaims(db: DbOrTx, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await db.run(sql`UPDATE invitation SET enqueued_at = NULL
    WHERE state = 'queued' AND user_id IN (SELECT value FROM json_each(${JSON.stringify(userIds)}))`);
}

/**
 * The sweeper: rows handed to the queue long ago and still queued, not held by a live claim (the
 * message was lost, dead-lettered, or its consumer crashed). They are handed again; a duplicate
 * message is harmless because sending needs the claim.
 */
export async function claimStaleInvitations(
  db: DbOrTx,
  input: { now: number; enqueuedBefore: number; limit: number },
): Promise<string[]> {
  const rows = await db.all<{ user_id: string }>(sql`
    UPDATE invitation SET enqueued_at = ${input.now}
    WHERE user_id IN (
      SELECT user_id FROM invitation
      WHERE state = 'queued' AND enqueued_at < ${input.enqueuedBefore}
        AND (claimed_until IS NULL OR claimed_until < ${input.now})
      ORDER BY enqueued_at LIMIT ${input.limit})
    RETURNING user_id`);
  return ids(rows);
}

export type ClaimedInvitation = {
  userId: string;
  facilityId: string;
  facilityName: string;
  firstName: string;
  /** The person's email now (an admin may have changed it since the row was queued); null: none. */
  email: string | null;
  /** Effective access now: access switch on and not removed at the source. */
  hasAccess: boolean;
  generation: number;
  attempts: number;
};

export type InvitationClaim =
  | { status: "claimed"; invitation: ClaimedInvitation }
  /** Another consumer holds it until then: try again after. */
  | { status: "busy"; claimedUntil: number }
  /** Sent, failed, or gone: nothing to do. */
  | { status: "done" };

/**
 * Takes a queued row for sending until `now + leaseMs`. A claim left by a crashed consumer expires and
 * the next delivery takes it, sending again under the same idempotency key (same generation).
 */
export async function claimInvitationForSend(
  db: DbOrTx,
  input: { userId: string; now: number; leaseMs: number },
): Promise<InvitationClaim> {
  const [claimed] = await db.all<{ facility_id: string; generation: number; attempts: number }>(sql`
    UPDATE invitation SET claimed_until = ${input.now + input.leaseMs}, attempts = attempts + 1
    WHERE user_id = ${input.userId} AND state = 'queued' AND (claimed_until IS NULL OR claimed_until <= ${input.now})
    RETURNING facility_id, generation, attempts`);
  if (!claimed) {
    const [row] = await db.all<{ state: string; claimed_until: number | null }>(
      sql`SELECT state, claimed_until FROM invitation WHERE user_id = ${input.userId}`,
    );
    if (row?.state === "queued" && row.claimed_until !== null)
      return { status: "busy", claimedUntil: row.claimed_until };
    return { status: "done" };
  }
  const [details] = await db.all<{
    facility_name: string | null;
    first_name: string | null;
    email: string | null;
    has_access: number | null;
  }>(sql`
    SELECT f.name AS facility_name, u.first_name, u.email, ${effectiveAccess("u", input.now)} AS has_access
    FROM access_user u JOIN facility f ON f.id = u.facility_id WHERE u.id = ${input.userId}`);
  return {
    status: "claimed",
    invitation: {
      userId: input.userId,
      facilityId: claimed.facility_id,
      facilityName: details?.facility_name ?? "",
      firstName: details?.first_name ?? "",
      email: details?.email ? details.email : null,
      hasAccess: details?.has_access === 1,
      generation: claimed.generation,
      attempts: claimed.attempts,
    },
  };
}

/** The idempotency key of a send: the first invitation is `invite/<userId>`; each re-send gets its own. */
export function invitationIdempotencyKey(userId: string, generation: number): string {
  return generation === 0 ? `invite/${userId}` : `invite/${userId}/${generation}`;
}

type Outcome = { userId: string; generation: number };

/** Only the generation that was claimed: a re-send queued meanwhile is not marked by an older send. */
export async function markInvitationSent(
  db: DbOrTx,
  input: Outcome & { providerMessageId: string | null; now: number; email?: string | undefined },
): Promise<boolean> {
  const result = await db.run(sql`
    UPDATE invitation SET state = 'sent', sent_at = ${input.now}, provider_message_id = ${input.providerMessageId},
      error = NULL, claimed_until = NULL, email = coalesce(${input.email ?? null}, email)
    WHERE user_id = ${input.userId} AND generation = ${input.generation} AND state = 'queued'`);
  return result.rowsAffected === 1;
}

/** Given up for now: recorded with its error; a pass (auto) or the admin (bulk) queues it again. */
export async function markInvitationFailed(db: DbOrTx, input: Outcome & { error: string }): Promise<boolean> {
  const result = await db.run(sql`
    UPDATE invitation SET state = 'failed', error = ${input.error}, claimed_until = NULL
    WHERE user_id = ${input.userId} AND generation = ${input.generation} AND state = 'queued'`);
  return result.rowsAffected === 1;
}

/** A transient failure the queue retries: the row stays queued, with the error for the record. */
export async function releaseInvitationClaim(db: DbOrTx, input: Outcome & { error: string }): Promise<void> {
  await db.run(sql`
    UPDATE invitation SET error = ${input.error}, claimed_until = NULL
    WHERE user_id = ${input.userId} AND generation = ${input.generation} AND state = 'queued'`);
}

export type InvitationRow = {
  userId: string;
  facilityId: string;
  email: string;
  state: "queued" | "sent" | "failed";
  trigger: "auto" | "bulk";
  attempts: number;
  error: string | null;
  queuedAt: number;
  sentAt: number | null;
  generation: number;
  batchId: string | null;
};

export async function findInvitation(db: Db | DbOrTx, userId: string): Promise<InvitationRow | undefined> {
  const [row] = await db.all<InvitationRow>(sql`
    SELECT user_id AS userId, facility_id AS facilityId, email, state, "trigger", attempts, error,
      queued_at AS queuedAt, sent_at AS sentAt, generation, batch_id AS batchId
    FROM invitation WHERE user_id = ${userId}`);
  return row;
}
