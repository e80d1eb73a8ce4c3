import { deadLetterInboxEvent, failPass } from "@uas/engine";
import { failPoll } from "@uas/db";
import type { Ctx } from "../../context";
import type { SyncQueueMessage } from "./sync-message";

export const DEAD_WEBHOOK_REASON = "This change could not be applied after repeated attempts; it is kept for support";
export const DEAD_PASS_REASON = "The pass could not continue after repeated attempts; nobody was removed";
export const DEAD_POLL_REASON = "The check for changes could not finish after repeated attempts; it is tried again";

/**
 * The end of the line for a sync message that kept failing: it is recorded where people look, so
 * nothing fails silently. A webhook becomes a Failed entry in the activity log and its inbox row is
 * marked failed (an operator can re-drive it); a pass step fails its pass, which removes nobody.
 */
export async function recordDeadSyncMessage({ ctx, input }: { ctx: Ctx; input: SyncQueueMessage }): Promise<void> {
  switch (input.type) {
    case "webhook.apply":
      await deadLetterInboxEvent(ctx.db, { key: input, reason: DEAD_WEBHOOK_REASON, now: ctx.now() });
      return;
    case "pass.step":
      await failPass({ db: ctx.db, passId: input.passId, reason: DEAD_PASS_REASON, now: ctx.now() });
      return;
    case "pass.start":
    case "passes.start":
      // Nothing was started; the next cron (or Sync now) starts the pass again.
      return;
    case "poll.step":
      // The watermark did not move: the club's lease expires and the same window is read again.
      await failPoll(ctx.db, input, input.window.untilMs, DEAD_POLL_REASON);
      return;
    case "retention.prune":
      // Nothing is lost: the next cron's chain prunes the same rows.
      return;
    case "cron.run":
      // The next cron sends this database's share again; what it would have started is started then.
      console.error(`cron ${input.cron} of ${new Date(input.scheduledTime).toISOString()} could not run on a database`);
      return;
  }
}
