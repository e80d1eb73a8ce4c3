import { activityEntry, getInboxRow, markInboxFailed } from "@uas/db";
import { SOURCE_KINDS, parseSenderKey, targetFacilityId, targetIntegrationId } from "@uas/domain";
import { failPass } from "@uas/engine";
import type { Ctx } from "../../context";
import type { SyncQueueMessage } from "./sync-message";

export const DEAD_WEBHOOK_REASON = "This change could not be applied after repeated attempts; it is kept for support";
export const DEAD_PASS_REASON = "The pass could not continue after repeated attempts; nobody was removed";

/** The person's id in a stored event, by the kind's id field. */
function externalIdOf(payload: string, idField: string): string {
  try {
    const data = (JSON.parse(payload) as { data?: Record<string, unknown> }).data;
    const id = data?.[idField];
    return typeof id === "string" ? id : "";
  } catch {
    return "";
  }
}

/**
 * The end of the line for a sync message that kept failing: it is recorded where people look, so
 * nothing fails silently. A webhook becomes a Failed entry in the activity log and its inbox row is
 * marked failed (an operator can re-drive it); a pass step fails its pass, which removes nobody.
 */
export async function recordDeadSyncMessage({ ctx, input }: { ctx: Ctx; input: SyncQueueMessage }): Promise<void> {
  switch (input.type) {
    case "webhook.apply": {
      const row = await getInboxRow(ctx.db, input);
      if (!row || row.state === "applied" || row.state === "failed") return;
      const sender = parseSenderKey(input.sender);
      await ctx.db.transaction(async (tx) => {
        if (sender)
          await tx.insert(activityEntry).values({
            at: ctx.now(),
            organisationId: row.organisationId,
            facilityId: targetFacilityId(sender),
            source: sender.source,
            integrationId: targetIntegrationId(sender),
            externalId: externalIdOf(row.payload, SOURCE_KINDS[sender.source].idField),
            outcome: "failed",
            reason: DEAD_WEBHOOK_REASON,
            webhookId: input.webhookId,
          });
        await markInboxFailed(tx, input, DEAD_WEBHOOK_REASON);
      });
      return;
    }
    case "pass.step":
      await failPass({ db: ctx.db, passId: input.passId, reason: DEAD_PASS_REASON, now: ctx.now() });
      return;
    case "pass.start":
      // Nothing was started; the next cron (or Sync now) starts the pass again.
      return;
  }
}
