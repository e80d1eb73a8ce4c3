import { errorSummary } from "../../log";
import {
  claimInvitationForSend,
  claimStaleInvitations,
  claimUnenqueuedInvitations,
  invitationIdempotencyKey,
  markInvitationFailed,
  markInvitationSent,
  releaseEnqueueClaims,
  releaseInvitationClaim,
} from "@uas/db";
import type { Ctx } from "../../context";
import type { InvitationRelayMessage } from "./relay-message";
import type { InvitationSendMessage } from "./send-message";
import { renderInvitationEmail } from "./email/invitation-email";
import type { Mailer } from "./email/mailer";

/** Queue `sendBatch` takes at most 100 messages. */
const SEND_BATCH_LIMIT = 100;
/** Rows one relay hands over before it leaves the rest to an `invitation.relay` continuation. */
const RELAY_LIMIT = 1000;
/** A consumer's claim on a row; sends time out well within it. */
export const CLAIM_LEASE_MS = 2 * 60_000;
/** Queued rows handed to the queue this long ago and not sent are handed again by the sweeper. */
export const STALE_AFTER_MS = 15 * 60_000;
const SWEEP_LIMIT = 500;

async function enqueue(ctx: Ctx, userIds: string[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += SEND_BATCH_LIMIT) {
    const slice = userIds.slice(i, i + SEND_BATCH_LIMIT);
    try {
      await ctx.queues.invitations.sendBatch(
        slice.map((userId): { body: InvitationSendMessage } => ({
          body: { type: "invitation.send", version: 1, userId },
        })),
      );
    } catch (error) {
      await releaseEnqueueClaims(ctx.db, userIds.slice(i));
      throw error;
    }
  }
}

/**
 * After a commit that may have queued invitations: hands rows never given to the queue to it, a
 * slice at a time. Called after sync pages, events and pass ends, and after "Send invitations…".
 * A crash between the commit and here loses nothing: the cron runs the relay too.
 */
export async function relayInvitations({ ctx }: { ctx: Ctx }): Promise<{ enqueued: number; more: boolean }> {
  let enqueued = 0;
  while (enqueued < RELAY_LIMIT) {
    const userIds = await claimUnenqueuedInvitations(ctx.db, { now: ctx.now(), limit: SEND_BATCH_LIMIT });
    if (userIds.length === 0) return { enqueued, more: false };
    await enqueue(ctx, userIds);
    enqueued += userIds.length;
  }
  const next: InvitationRelayMessage = { type: "invitation.relay", version: 1 };
  await ctx.queues.invitations.send(next);
  return { enqueued, more: true };
}

/** For callers whose own work is done: a failed relay is logged, and the cron's relay catches up. */
export async function relayInvitationsAfterCommit(ctx: Ctx): Promise<void> {
  try {
    await relayInvitations({ ctx });
  } catch (error) {
    console.error("invitations committed but not enqueued; the sweeper will hand them over", errorSummary(error));
  }
}

/** The cron: the relay, then rows handed over long ago that are still queued (lost or dead-lettered messages). */
export async function sweepInvitations({ ctx }: { ctx: Ctx }): Promise<{ relayed: number; requeued: number }> {
  const relayed = await relayInvitations({ ctx });
  const now = ctx.now();
  const stale = await claimStaleInvitations(ctx.db, { now, enqueuedBefore: now - STALE_AFTER_MS, limit: SWEEP_LIMIT });
  await enqueue(ctx, stale);
  return { relayed: relayed.enqueued, requeued: stale.length };
}

export type SendOutcome =
  | { status: "sent" | "failed" | "nothing_to_do" }
  /** Try the message again later: another consumer holds the row, or the provider had an outage. */
  | { status: "retry"; delaySeconds: number; reason: string };

/**
 * The consumer's verb: claim the row (so two deliveries never both send), send with the idempotency key
 * of its generation (so a crash after the provider accepted it sends nothing new), then record the outcome.
 */
export async function sendQueuedInvitation({
  ctx,
  input,
}: {
  ctx: Ctx;
  /** `delivery`: this message's delivery attempt, from 1. */
  input: { userId: string; mailer: Mailer; delivery: number };
}): Promise<SendOutcome> {
  const claim = await claimInvitationForSend(ctx.db, { userId: input.userId, now: ctx.now(), leaseMs: CLAIM_LEASE_MS });
  if (claim.status === "done") return { status: "nothing_to_do" };
  if (claim.status === "busy") {
    return {
      status: "retry",
      delaySeconds: Math.max(1, Math.ceil((claim.claimedUntil - ctx.now()) / 1000) + 1),
      reason: "claimed by another consumer",
    };
  }
  const row = claim.invitation;
  const outcome = { userId: row.userId, generation: row.generation };
  // Things may have changed since it was queued: it goes only to someone who can still open the doors.
  if (!row.hasAccess || row.email === null) {
    const error = row.hasAccess
      ? "The person has no email address, so nothing was sent"
      : "The person no longer has access, so nothing was sent";
    await markInvitationFailed(ctx.db, { ...outcome, error });
    return { status: "failed" };
  }
  const email = renderInvitationEmail({
    facilityId: row.facilityId,
    facilityName: row.facilityName,
    firstName: row.firstName,
    email: row.email,
    from: input.mailer.from,
    appUrl: input.mailer.appUrl,
  });
  const result = await input.mailer.provider.send(email, {
    idempotencyKey: invitationIdempotencyKey(row.userId, row.generation),
  });
  if (result.ok) {
    await markInvitationSent(ctx.db, {
      ...outcome,
      providerMessageId: result.providerMessageId,
      now: ctx.now(),
      email: row.email,
    });
    return { status: "sent" };
  }
  if (result.retryable && input.delivery <= input.mailer.retries) {
    await releaseInvitationClaim(ctx.db, { ...outcome, error: result.error });
    return {
      status: "retry",
      delaySeconds: input.mailer.retryDelaySeconds * 2 ** (input.delivery - 1),
      reason: result.error,
    };
  }
  await markInvitationFailed(ctx.db, { ...outcome, error: result.error });
  return { status: "failed" };
}

/** A message that exhausted its retries: the row is recorded as failed, so it shows and is retried next pass. */
export async function failDeadLetteredInvitation({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { userId: string };
}): Promise<void> {
  const claim = await claimInvitationForSend(ctx.db, { userId: input.userId, now: ctx.now(), leaseMs: CLAIM_LEASE_MS });
  if (claim.status !== "claimed") return;
  await markInvitationFailed(ctx.db, {
    userId: input.userId,
    generation: claim.invitation.generation,
    error: "The invitation could not be sent after several attempts",
  });
}
