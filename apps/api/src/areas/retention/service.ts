import { retentionDue } from "@uas/engine";
import type { Ctx } from "../../context";
import { PRUNE_TARGETS, type RetentionPruneMessage } from "./prune-message";

/** How long a retention chain goes on: less than the cron's quarter hour, after which the next chain takes over. */
export const PRUNE_CHAIN_MS = 14 * 60_000;

/**
 * The cron's share of retention (activity 90 days, applied inbox rows 14 days, remembered removals 90
 * days): one message for each rule with rows past its retention, each of which prunes a bounded batch and
 * sends its own continuation. A rule with nothing to delete costs one read, not a message.
 */
export async function enqueueRetention({ ctx }: { ctx: Ctx }): Promise<void> {
  const now = ctx.now();
  const due = await retentionDue(ctx.db, { now, batchSize: ctx.tuning.pruneBatchSize });
  const messages: RetentionPruneMessage[] = PRUNE_TARGETS.filter((target) => due[target]).map((target) => ({
    type: "retention.prune",
    version: 1,
    target,
    now,
  }));
  if (messages.length > 0) await ctx.queues.sync.sendBatch(messages.map((body) => ({ body })));
}
