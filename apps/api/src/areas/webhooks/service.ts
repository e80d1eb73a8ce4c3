import { errorSummary } from "../../log";
import { applyInboxEvents, type InboxApplyResult } from "@uas/engine";
import { listStuckInboxRows, markInboxEnqueued, storeInboxRow, type WebhookSenderRow } from "@uas/engine";
import type { Ctx } from "../../context";
import type { WebhookApplyMessage } from "./apply-message";
import { relayInvitationsAfterCommit } from "../invitations/service";
import { takeStamp } from "./sender-cache";

type InboxKey = { sender: string; webhookId: string };

/** A row still `received` this long after it arrived lost its enqueue; the sweeper sends it again. */
export const STUCK_AFTER_MS = 60_000;
/** A row handed to the queue this long ago and still not applied may have lost its message: sent again. */
export const LOST_AFTER_MS = 10 * 60_000;
const SWEEP_LIMIT = 500;
const SEND_BATCH_LIMIT = 100;

/**
 * Stores a verified, schema-valid webhook in the inbox (the durable point: a 202 is answered only after
 * this), then hands it to the webhooks queue. The hand-over runs through `defer` (the request's waitUntil), so
 * the sender's answer does not wait on the queue. A failed enqueue is logged, not surfaced: the row is
 * durable and the sweeper enqueues it later, so the sender must not be told to retry.
 */
export async function receiveWebhook({
  ctx,
  input,
  defer,
}: {
  ctx: Ctx;
  input: { sender: WebhookSenderRow; webhookId: string; payload: string };
  defer?: (work: Promise<void>) => void;
}): Promise<{ status: "accepted" | "duplicate" }> {
  const receivedAt = ctx.now();
  const { stored } = await storeInboxRow(
    ctx.db,
    { sender: input.sender, webhookId: input.webhookId, payload: input.payload, receivedAt },
    // The health line's "Last webhook received" is stamped at most every STAMP_EVERY_MS per isolate.
    { stamp: takeStamp(input.sender.sender, receivedAt) },
  );
  if (!stored) return { status: "duplicate" };
  // Not marked `enqueued`: that would be a third database round trip on every webhook. A row still
  // `received` a minute on is sent again by the sweeper (a second message is harmless: the claim).
  const handOver = sendApplyMessages(ctx, [{ sender: input.sender.sender, webhookId: input.webhookId }]).catch(
    (error: unknown) => {
      console.error(
        "webhook stored but not enqueued; the sweeper will retry",
        input.sender.sender,
        errorSummary(error),
      );
    },
  );
  if (defer) defer(handOver);
  else await handOver;
  return { status: "accepted" };
}

/** Hands stored inbox rows to the webhooks queue (the receiver, the sweeper and the delta poll). */
export async function sendApplyMessages(ctx: Ctx, keys: InboxKey[]): Promise<void> {
  for (let i = 0; i < keys.length; i += SEND_BATCH_LIMIT) {
    const slice = keys.slice(i, i + SEND_BATCH_LIMIT);
    await ctx.queues.webhooks.sendBatch(
      slice.map((key): { body: WebhookApplyMessage } => ({
        body: { type: "webhook.apply", version: 2, sender: key.sender, webhookId: key.webhookId },
      })),
    );
  }
}

/** The sweeper marks what it sent, so the next sweep waits for the lost-message delay before sending it again. */
async function enqueueInboxRows(ctx: Ctx, keys: InboxKey[]): Promise<void> {
  for (let i = 0; i < keys.length; i += SEND_BATCH_LIMIT) {
    const slice = keys.slice(i, i + SEND_BATCH_LIMIT);
    await sendApplyMessages(ctx, slice);
    await markInboxEnqueued(ctx.db, slice);
  }
}

/** Run from the cron: enqueues rows whose enqueue failed after they were stored, or whose message was lost. */
export async function sweepStuckWebhooks({ ctx }: { ctx: Ctx }): Promise<{ enqueued: number }> {
  const now = ctx.now();
  const stuck = await listStuckInboxRows(ctx.db, {
    receivedBefore: now - STUCK_AFTER_MS,
    handedOverBefore: now - LOST_AFTER_MS,
    limit: SWEEP_LIMIT,
  });
  await enqueueInboxRows(ctx, stuck);
  return { enqueued: stuck.length };
}

export type AppliedWebhook = InboxApplyResult;

/**
 * Applies stored webhooks through the sync engine, a queue batch at a time. Each row is claimed (marked
 * applied) in the same write transaction as the engine's changes: a re-delivery, even a concurrent one,
 * finds it applied and is acknowledged without applying twice; a crash rolls both back, so the retry
 * applies it. Results are in the order of the input.
 */
export async function applyStoredWebhooks({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: readonly InboxKey[];
}): Promise<AppliedWebhook[]> {
  const keys = input.map(({ sender, webhookId }) => ({ sender, webhookId }));
  const results = await applyInboxEvents(ctx.db, { keys, now: ctx.now() });
  const byKey = new Map(results.map((r) => [`${r.sender}\u0000${r.webhookId}`, r]));
  if (results.some((r) => r.status === "applied")) await relayInvitationsAfterCommit(ctx);
  return keys.map((key) => byKey.get(`${key.sender}\u0000${key.webhookId}`) ?? { ...key, status: "missing" });
}
