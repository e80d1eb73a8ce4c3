import type { Bindings } from "../bindings";
import { invocationCtx } from "../invocation";
import type { Ctx } from "../context";
import { syncQueueMessage, type PassStartMessage, type PassStepMessage, type WebhookApplyMessage } from "./messages";
import { ACK, conclude, settle, validDeliveries, type Delivery, type Settlement } from "./consume";
import { backoffSeconds } from "./retry";
import { startPassFromMessage, stepPass } from "../services/passes";
import { applyStoredWebhooks, type AppliedWebhook } from "../services/webhooks";
import { errorSummary } from "../log";

/**
 * Pass messages one invocation runs; any others go back to the queue as fresh messages. Each pass step
 * costs up to about 90 subrequests: ten keep an invocation within Workers' 1,000 (docs/scaling.md). With
 * `max_batch_size` 10 (wrangler.jsonc) this never triggers; it guards a larger batch setting, which would
 * otherwise break the budget (and which, during the nightly fan-out, would mostly re-send messages).
 */
export const PASS_MESSAGES_PER_INVOCATION = 10;

/**
 * `sync`: webhooks of a batch are applied together in one transaction (a handful of statements per
 * batch, not per event); pass messages one by one, up to the invocation's budget. Every message is acked
 * or retried on its own.
 */
export async function handleSyncBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const { ctx } = invocationCtx(env, { type: "system" });
  const deliveries = validDeliveries(batch, syncQueueMessage);
  const webhooks = deliveries.filter((d): d is Delivery<WebhookApplyMessage> => d.body.type === "webhook.apply");
  if (webhooks.length > 0) await applyWebhookDeliveries(ctx, webhooks);
  const passes = deliveries.filter((d): d is Delivery<PassStartMessage | PassStepMessage> => d.body.type !== "webhook.apply");
  for (const { message, body } of passes.slice(0, PASS_MESSAGES_PER_INVOCATION)) {
    await settle(message, () => (body.type === "pass.start" ? startPass(ctx, body) : step(ctx, body)));
  }
  const later = passes.slice(PASS_MESSAGES_PER_INVOCATION);
  if (later.length > 0) await handBack(ctx, later);
}

/** Pass messages past the budget: sent again as they are (each is idempotent), then acknowledged. */
async function handBack(ctx: Ctx, deliveries: Delivery<PassStartMessage | PassStepMessage>[]): Promise<void> {
  try {
    await ctx.queues.sync.sendBatch(deliveries.map(({ body }) => ({ body })));
    for (const { message } of deliveries) message.ack();
  } catch (error) {
    console.error("could not hand pass messages back to the queue; retrying them", errorSummary(error));
    for (const { message } of deliveries) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}

async function startPass(ctx: Ctx, body: PassStartMessage): Promise<Settlement> {
  await startPassFromMessage({ ctx, input: body });
  return ACK;
}

async function step(ctx: Ctx, body: PassStepMessage): Promise<Settlement> {
  await stepPass({ ctx, input: body });
  return ACK;
}

/**
 * The batch in one transaction; if that fails (one event the database refuses, say), each event on its
 * own, so one bad event does not hold back the rest of the batch on its way to the dead-letter queue.
 */
async function applyWebhookDeliveries(ctx: Ctx, deliveries: Delivery<WebhookApplyMessage>[]): Promise<void> {
  try {
    const results = await applyStoredWebhooks({ ctx, input: deliveries.map((d) => d.body) });
    for (const [i, { message }] of deliveries.entries()) conclude(message, settlementOf(results[i] as AppliedWebhook, message));
    return;
  } catch (error) {
    if (deliveries.length === 1) {
      console.error("sync message failed", deliveries[0]!.message.id, errorSummary(error));
      deliveries[0]!.message.retry({ delaySeconds: backoffSeconds(deliveries[0]!.message.attempts) });
      return;
    }
    console.error("webhook batch failed; applying its events one by one", errorSummary(error));
  }
  for (const { message, body } of deliveries) {
    await settle(message, async () => settlementOf((await applyStoredWebhooks({ ctx, input: [body] }))[0] as AppliedWebhook, message));
  }
}

function settlementOf(result: AppliedWebhook, message: Message<unknown>): Settlement {
  if (result.status === "failed") console.error("webhook cannot be applied", result.sender, result.webhookId, result.error);
  // Not in the inbox (yet): a message can only be sent after its row commits, so this is an anomaly to retry into the DLQ.
  if (result.status === "missing") return { status: "retry", delaySeconds: backoffSeconds(message.attempts), reason: `webhook ${result.webhookId} of ${result.sender} is not in the inbox` };
  return ACK;
}
