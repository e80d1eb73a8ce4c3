import { errorSummary } from "../log";
import {
  applySourceEvent,
  claimInboxRowForApply,
  getInboxRow,
  listStuckInboxRows,
  markInboxEnqueued,
  markInboxFailed,
  storeInboxRow,
  type Db,
  type SourceEventTarget,
  type WebhookSenderRow,
} from "@uas/db";
import type { Ctx } from "../context";
import type { WebhookApplyMessage } from "../queues/messages";
import { relayInvitationsAfterCommit } from "./invitations";

type InboxKey = { sender: string; webhookId: string };

/** A row still `received` this long after it arrived lost its enqueue; the sweeper sends it again. */
export const STUCK_AFTER_MS = 60_000;
const SWEEP_LIMIT = 500;
const SEND_BATCH_LIMIT = 100;

/**
 * Stores a verified, schema-valid webhook in the inbox (the durable point: a 202 is answered only after
 * this), then hands it to the sync queue. A failed enqueue is logged, not surfaced: the row is durable and
 * the sweeper enqueues it later, so the sender must not be told to retry.
 */
export async function receiveWebhook({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { sender: WebhookSenderRow; webhookId: string; payload: string };
}): Promise<{ status: "accepted" | "duplicate" }> {
  const { stored } = await storeInboxRow(ctx.db, {
    sender: input.sender,
    webhookId: input.webhookId,
    payload: input.payload,
    receivedAt: ctx.now(),
  });
  if (!stored) return { status: "duplicate" };
  try {
    await enqueueInboxRows(ctx, [{ sender: input.sender.sender, webhookId: input.webhookId }]);
  } catch (error) {
    console.error("webhook stored but not enqueued; the sweeper will retry", input.sender.sender, errorSummary(error));
  }
  return { status: "accepted" };
}

async function enqueueInboxRows(ctx: Ctx, keys: InboxKey[]): Promise<void> {
  for (let i = 0; i < keys.length; i += SEND_BATCH_LIMIT) {
    const slice = keys.slice(i, i + SEND_BATCH_LIMIT);
    const messages = slice.map((key): { body: WebhookApplyMessage } => ({
      body: { type: "webhook.apply", version: 1, sender: key.sender, webhookId: key.webhookId },
    }));
    await ctx.queues.sync.sendBatch(messages);
    await markInboxEnqueued(ctx.db, slice);
  }
}

/** Run from the cron: enqueues rows whose enqueue failed after they were stored. */
export async function sweepStuckWebhooks({ ctx }: { ctx: Ctx }): Promise<{ enqueued: number }> {
  const stuck = await listStuckInboxRows(ctx.db, { receivedBefore: ctx.now() - STUCK_AFTER_MS, limit: SWEEP_LIMIT });
  await enqueueInboxRows(ctx, stuck);
  return { enqueued: stuck.length };
}

export type AppliedWebhook = { status: "applied" | "already_done" | "failed"; error?: string };

/**
 * Applies one stored webhook through the sync engine. The row is claimed (marked applied) in the same
 * write transaction as the engine's changes: a re-delivery, even a concurrent one, finds it applied and
 * is acknowledged without applying twice; a crash rolls both back, so the retry applies it.
 */
export async function applyStoredWebhook({ ctx, input }: { ctx: Ctx; input: InboxKey }): Promise<AppliedWebhook> {
  const row = await getInboxRow(ctx.db, input);
  if (!row) throw new Error(`webhook ${input.webhookId} of ${input.sender} is not in the inbox`);
  if (row.state === "applied" || row.state === "failed") return { status: "already_done" };
  const target = targetOf(input.sender);
  const now = ctx.now();

  const applied = await ctx.db.transaction(async (tx): Promise<AppliedWebhook> => {
    const { claimed } = await claimInboxRowForApply(tx, input, now);
    if (!claimed) return { status: "already_done" };
    const result = await applySourceEvent({
      ...target,
      // The engine opens its own transaction; on a transaction that is a savepoint inside this one.
      db: tx as unknown as Db,
      event: JSON.parse(row.payload) as unknown,
      webhookId: input.webhookId,
      now,
    });
    if (result.status === "applied") return { status: "applied" };
    // Neither outcome can change on a retry: the row keeps the reason and the message is acknowledged.
    const error =
      result.status === "not_found"
        ? "The sender no longer exists"
        : `The payload does not match the contract: ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`;
    await markInboxFailed(tx, input, error);
    return { status: "failed", error };
  });
  if (applied.status === "applied") await relayInvitationsAfterCommit(ctx);
  return applied;
}

function targetOf(sender: string): SourceEventTarget {
  const [source, ...rest] = sender.split(":");
  const id = rest.join(":");
  if (source === "integration" && id) return { source: "integration", integrationId: id };
  if (source === "cctv" && id) return { source: "cctv", facilityId: id };
  throw new Error(`unknown webhook sender ${sender}`);
}
