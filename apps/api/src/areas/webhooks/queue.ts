import type { Bindings } from "../../bindings";
import { compose } from "../../composition";
import type { Ctx } from "../../context";
import { webhookApplyMessage, type WebhookApplyMessage } from "./apply-message";
import {
  ACK,
  conclude,
  forEachOrganisation,
  settle,
  validDeliveries,
  type Delivery,
  type Settlement,
} from "../../queues/consume";
import { backoffSeconds } from "../../queues/retry";
import { applyStoredWebhooks, type AppliedWebhook } from "./service";
import { recordDeadSyncMessage } from "../passes/dead-letters";
import { errorSummary } from "../../log";

/**
 * `webhooks`: a batch's events are applied together in one transaction (ADR 0009). A queue of its own
 * with large batches, so a running pass on `sync` never holds webhooks back.
 */
export async function handleWebhooksBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const deliveries = validDeliveries(batch, webhookApplyMessage);
  await forEachOrganisation(compose(env), { type: "system" }, deliveries, applyWebhookDeliveries);
}

/** The webhooks queue's dead-letter queue: each event becomes a Failed entry, then is acknowledged. */
export async function handleWebhookDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const deliveries = validDeliveries(batch, webhookApplyMessage, "ack");
  await forEachOrganisation(compose(env), { type: "system" }, deliveries, async (ctx, group) => {
    for (const { message, body } of group) {
      console.error("dead letter on webhooks-dlq", message.id, body.type);
      await settle(message, async () => {
        await recordDeadSyncMessage({ ctx, input: body });
        return ACK;
      });
    }
  });
}

/**
 * The batch in one transaction; if that fails (one event the database refuses, say), each event on its
 * own, so one bad event does not hold back the rest of the batch on its way to the dead-letter queue.
 */
export async function applyWebhookDeliveries(ctx: Ctx, deliveries: Delivery<WebhookApplyMessage>[]): Promise<void> {
  try {
    const results = await applyStoredWebhooks({ ctx, input: deliveries.map((d) => d.body) });
    for (const [i, { message }] of deliveries.entries())
      conclude(message, settlementOf(results[i] as AppliedWebhook, message));
    return;
  } catch (error) {
    if (deliveries.length === 1) {
      console.error("webhook message failed", deliveries[0]!.message.id, errorSummary(error));
      deliveries[0]!.message.retry({ delaySeconds: backoffSeconds(deliveries[0]!.message.attempts) });
      return;
    }
    console.error("webhook batch failed; applying its events one by one", errorSummary(error));
  }
  for (const { message, body } of deliveries) {
    await settle(message, async () =>
      settlementOf((await applyStoredWebhooks({ ctx, input: [body] }))[0] as AppliedWebhook, message),
    );
  }
}

function settlementOf(result: AppliedWebhook, message: Message<unknown>): Settlement {
  if (result.status === "failed")
    console.error("webhook cannot be applied", result.sender, result.webhookId, result.error);
  // Not in the inbox (yet): a message can only be sent after its row commits, so this is an anomaly to retry into the DLQ.
  if (result.status === "missing")
    return {
      status: "retry",
      delaySeconds: backoffSeconds(message.attempts),
      reason: `webhook ${result.webhookId} of ${result.sender} is not in the inbox`,
    };
  return ACK;
}
