import { sql, type SQL } from "drizzle-orm";
import { isIntegrationScoped, type Source } from "@uas/domain";
import type { Db, DbOrTx } from "../database";
import { newId } from "../ids";
import { storedEffectiveAccess } from "../access/effective-access";

/**
 * "Send invitations…": who the admin chose, how many get an email and why the others are skipped,
 * then one set-based upsert that queues them under a batch whose progress the dialog polls.
 */

export type InvitationAudience =
  | { kind: "users"; userIds: string[] }
  | { kind: "not_invited" }
  | { kind: "with_access" }
  | { kind: "source"; source: Source; integrationId?: string | null | undefined };

export type BulkInvitationCounts = {
  /** People the audience names in this facility. */
  considered: number;
  willSend: number;
  skipped: { noEmail: number; noAccess: number; alreadyInvited: number };
};

// One skip reason per person, first that applies: no email, no access, already invited.
const NO_EMAIL = sql`(u.email IS NULL OR u.email = '')`;
const noAccess = (now: number) => sql`NOT ${storedEffectiveAccess("u", now)}`;
/** Sent, or queued (on its way): a second email only when the admin ticks Re-send. */
const INVITED = sql`(i.state IN ('sent', 'queued'))`;

function audienceWhere(facilityId: string, audience: InvitationAudience, now: number): SQL {
  const facility = sql`u.facility_id = ${facilityId}`;
  switch (audience.kind) {
    case "users":
      return sql`${facility} AND u.id IN (SELECT value FROM json_each(${JSON.stringify(audience.userIds)}))`;
    case "not_invited":
      return sql`${facility} AND (i.user_id IS NULL OR i.state = 'failed')`;
    case "with_access":
      return sql`${facility} AND ${storedEffectiveAccess("u", now)}`;
    case "source":
      return isIntegrationScoped(audience.source) && audience.integrationId
        ? sql`${facility} AND u.source = ${audience.source} AND u.integration_id = ${audience.integrationId}`
        : sql`${facility} AND u.source = ${audience.source}`;
  }
}

export async function countBulkInvitations(
  db: DbOrTx,
  input: { facilityId: string; audience: InvitationAudience; resend: boolean; now: number },
): Promise<BulkInvitationCounts> {
  const invited = input.resend ? sql`0` : INVITED;
  const NO_ACCESS = noAccess(input.now);
  const [row] = await db.all<{
    considered: number;
    no_email: number | null;
    no_access: number | null;
    invited: number | null;
  }>(sql`
    SELECT count(*) AS considered,
      sum(${NO_EMAIL}) AS no_email,
      sum(NOT ${NO_EMAIL} AND ${NO_ACCESS}) AS no_access,
      sum(NOT ${NO_EMAIL} AND NOT ${NO_ACCESS} AND coalesce(${invited}, 0)) AS invited
    FROM access_user u LEFT JOIN invitation i ON i.user_id = u.id
    WHERE ${audienceWhere(input.facilityId, input.audience, input.now)}`);
  const considered = row?.considered ?? 0;
  const skipped = { noEmail: row?.no_email ?? 0, noAccess: row?.no_access ?? 0, alreadyInvited: row?.invited ?? 0 };
  return { considered, willSend: considered - skipped.noEmail - skipped.noAccess - skipped.alreadyInvited, skipped };
}

export type InvitationBatch = {
  id: string;
  facilityId: string;
  createdAt: number;
  createdBy: string | null;
  resend: boolean;
  queued: number;
  skipped: BulkInvitationCounts["skipped"];
};

/**
 * Queues the audience in one write transaction: counted again there (the preview may be stale), then
 * one upsert. A failed invitation is queued again; with Re-send a sent one is too, under a new
 * generation (so a new idempotency key: the provider must not answer it with the old email). A row
 * already queued only joins the batch: it is sent once.
 */
export async function createInvitationBatch(
  db: Db,
  input: { facilityId: string; audience: InvitationAudience; resend: boolean; createdBy: string | null; now: number },
): Promise<InvitationBatch> {
  return db.transaction(async (tx) => {
    const counts = await countBulkInvitations(tx, input);
    const id = newId("ivb");
    const invited = input.resend ? sql`0` : INVITED;
    const NO_ACCESS = noAccess(input.now);
    const queued = await tx.run(sql`
      INSERT INTO invitation (user_id, facility_id, email, state, "trigger", attempts, queued_at, batch_id)
      SELECT u.id, u.facility_id, u.email, 'queued', 'bulk', 0, ${input.now}, ${id}
      FROM access_user u LEFT JOIN invitation i ON i.user_id = u.id
      WHERE ${audienceWhere(input.facilityId, input.audience, input.now)}
        AND NOT ${NO_EMAIL} AND NOT ${NO_ACCESS} AND NOT coalesce(${invited}, 0)
      ON CONFLICT(user_id) DO UPDATE SET
        batch_id = excluded.batch_id,
        "trigger" = 'bulk',
        generation = invitation.generation + (invitation.state = 'sent'),
        email = CASE WHEN invitation.state = 'queued' THEN invitation.email ELSE excluded.email END,
        queued_at = CASE WHEN invitation.state = 'queued' THEN invitation.queued_at ELSE excluded.queued_at END,
        enqueued_at = CASE WHEN invitation.state = 'queued' THEN invitation.enqueued_at END,
        claimed_until = CASE WHEN invitation.state = 'queued' THEN invitation.claimed_until END,
        error = CASE WHEN invitation.state = 'queued' THEN invitation.error END,
        state = 'queued'`);
    const batch: InvitationBatch = {
      id,
      facilityId: input.facilityId,
      createdAt: input.now,
      createdBy: input.createdBy,
      resend: input.resend,
      queued: queued.rowsAffected,
      skipped: counts.skipped,
    };
    await tx.run(sql`
      INSERT INTO invitation_batch (id, facility_id, created_at, created_by, resend, queued, skipped_no_email,
        skipped_no_access, skipped_already_invited)
      VALUES (${id}, ${input.facilityId}, ${input.now}, ${input.createdBy}, ${input.resend ? 1 : 0}, ${batch.queued},
        ${counts.skipped.noEmail}, ${counts.skipped.noAccess}, ${counts.skipped.alreadyInvited})`);
    return batch;
  });
}

export type InvitationBatchProgress = InvitationBatch & {
  counts: { queued: number; sent: number; failed: number };
  /** The most common failure reasons, with how many each. */
  failures: Array<{ error: string; count: number }>;
};

/** The batch's rows by state now (a later batch that takes a row over takes it out of this one). */
export async function invitationBatchProgress(
  db: DbOrTx,
  input: { facilityId: string; batchId: string },
): Promise<InvitationBatchProgress | undefined> {
  const [batch] = await db.all<{
    id: string;
    facility_id: string;
    created_at: number;
    created_by: string | null;
    resend: number;
    queued: number;
    skipped_no_email: number;
    skipped_no_access: number;
    skipped_already_invited: number;
  }>(sql`SELECT * FROM invitation_batch WHERE id = ${input.batchId} AND facility_id = ${input.facilityId}`);
  if (!batch) return undefined;
  const states = await db.all<{ state: "queued" | "sent" | "failed"; n: number }>(
    sql`SELECT state, count(*) AS n FROM invitation WHERE batch_id = ${batch.id} GROUP BY state`,
  );
  const failures = await db.all<{ error: string; count: number }>(sql`
    SELECT coalesce(error, 'Unknown error') AS error, count(*) AS count FROM invitation
    WHERE batch_id = ${batch.id} AND state = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5`);
  const count = (state: string) => states.find((s) => s.state === state)?.n ?? 0;
  return {
    id: batch.id,
    facilityId: batch.facility_id,
    createdAt: batch.created_at,
    createdBy: batch.created_by,
    resend: batch.resend === 1,
    queued: batch.queued,
    skipped: {
      noEmail: batch.skipped_no_email,
      noAccess: batch.skipped_no_access,
      alreadyInvited: batch.skipped_already_invited,
    },
    counts: { queued: count("queued"), sent: count("sent"), failed: count("failed") },
    failures,
  };
}
