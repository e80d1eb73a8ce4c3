import { pruneActivity, pruneRememberedRemovals } from "@uas/db";
import { pruneAppliedInboxRows } from "@uas/engine";
import type { Ctx } from "../../context";
import { ACK, type Settlement } from "../../queues/consume";
import { PRUNE_CHAIN_MS } from "./service";
import type { RetentionPruneMessage } from "./prune-message";

/**
 * `retention.prune`: one statement deleting at most a batch, then the continuation while there is more.
 * A chain stops going on by itself once the next cron's chain has taken over (PRUNE_CHAIN_MS), so chains
 * never pile up behind a large backlog. A repeated or crashed step is harmless: each statement only
 * deletes rows past the retention, and the next cron starts the walk again.
 */
export async function pruneStep(ctx: Ctx, body: RetentionPruneMessage): Promise<Settlement> {
  const step = await pruneOnce(ctx, body);
  if (step.deleted > 0) console.log(`retention: ${step.deleted} ${body.target} row(s) past their retention pruned`);
  if (step.more && ctx.now() < body.now + PRUNE_CHAIN_MS) {
    const next: RetentionPruneMessage = { ...body, ...(step.after === undefined ? {} : { after: step.after }) };
    await ctx.queues.sync.send(next);
  }
  return ACK;
}

async function pruneOnce(
  ctx: Ctx,
  body: RetentionPruneMessage,
): Promise<{ deleted: number; more: boolean; after?: number }> {
  const input = { db: ctx.db, now: body.now };
  const batchSize = ctx.tuning.pruneBatchSize;
  switch (body.target) {
    case "activity": {
      const step = await pruneActivity({
        ...input,
        batchSize,
        ...(body.after === undefined ? {} : { after: body.after }),
      });
      return step.next === null
        ? { deleted: step.deleted, more: false }
        : { deleted: step.deleted, more: true, after: step.next };
    }
    case "inbox":
      return pruneAppliedInboxRows({ ...input, batchSize });
    case "removals":
      return pruneRememberedRemovals({ ...input, limit: batchSize });
  }
}
