import type { Bindings } from "../../bindings";
import { compose } from "../../composition";
import type { Ctx } from "../../context";
import type { WebhookApplyMessage } from "../webhooks/apply-message";
import type { ChainStartMessage, PassStartMessage } from "./start-message";
import type { PassStepMessage } from "./step-message";
import { syncQueueMessage, type SyncQueueMessage } from "./sync-message";
import {
  ACK,
  forEachOrganisation,
  settle,
  validDeliveries,
  type Delivery,
  type Settlement,
} from "../../queues/consume";
import { backoffSeconds } from "../../queues/retry";
import { applyWebhookDeliveries } from "../webhooks/queue";
import { startChainFromMessage, startPassFromMessage, stepPass } from "./service";
import type { PollStepMessage } from "../polling/step-message";
import { runPollStep } from "../polling/service";
import { errorSummary } from "../../log";
import type { RetentionPruneMessage } from "../retention/prune-message";
import { pruneStep } from "../retention/queue";
import type { CronRunMessage } from "../cron/run-message";
import { runCronOn } from "../cron/service";

/**
 * Pass messages one invocation runs; any others go back to the queue as fresh messages. Each pass step
 * costs up to about 90 subrequests: ten keep an invocation within Workers' 1,000 (docs/scaling.md). With
 * `max_batch_size` 10 (wrangler.jsonc) this never triggers; it guards a larger batch setting, which would
 * otherwise break the budget (and which, during the nightly fan-out, would mostly re-send messages).
 */
export const PASS_MESSAGES_PER_INVOCATION = 10;

/**
 * `sync`: pass messages one by one, up to the invocation's budget; every message is acked or retried on
 * its own. Retention steps (one bounded statement each) run one by one after them. Webhooks have their own queue now; `webhook.apply` messages sent here before it existed are
 * still applied (together, as on `webhooks`) while they drain.
 */
export async function handleSyncBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const deliveries = validDeliveries(batch, syncQueueMessage);
  await forEachOrganisation(compose(env), { type: "system" }, deliveries, handleSyncDeliveries);
}

/** One organisation's messages of a `sync` batch, on its database. */
async function handleSyncDeliveries(ctx: Ctx, deliveries: Delivery<SyncQueueMessage>[]): Promise<void> {
  const webhooks = deliveries.filter((d): d is Delivery<WebhookApplyMessage> => d.body.type === "webhook.apply");
  if (webhooks.length > 0) await applyWebhookDeliveries(ctx, webhooks);
  // Delta poll steps (ADR 0018): each a bounded read of one club's window; a failure is recorded, not retried.
  const polls = deliveries.filter((d): d is Delivery<PollStepMessage> => d.body.type === "poll.step");
  for (const { message, body } of polls.slice(0, PASS_MESSAGES_PER_INVOCATION)) {
    await settle(message, async () => {
      await runPollStep({ ctx, input: body });
      return ACK;
    });
  }
  const passes = deliveries.filter(
    (d): d is Delivery<PassMessage> =>
      d.body.type === "pass.start" || d.body.type === "passes.start" || d.body.type === "pass.step",
  );
  for (const { message, body } of passes.slice(0, PASS_MESSAGES_PER_INVOCATION)) {
    await settle(message, () => runPassMessage(ctx, body));
  }
  const later = [...passes.slice(PASS_MESSAGES_PER_INVOCATION), ...polls.slice(PASS_MESSAGES_PER_INVOCATION)];
  if (later.length > 0) await handBack(ctx, later);
  const prunes = deliveries.filter((d): d is Delivery<RetentionPruneMessage> => d.body.type === "retention.prune");
  for (const { message, body } of prunes) await settle(message, () => pruneStep(ctx, body));
  // A cron's share for this database: its work sends messages of its own, so it runs last in the batch.
  const crons = deliveries.filter((d): d is Delivery<CronRunMessage> => d.body.type === "cron.run");
  for (const { message, body } of crons) {
    await settle(message, async () => {
      await runCronOn({ ...ctx, actor: { type: "cron" }, now: () => body.scheduledTime }, body.cron);
      return ACK;
    });
  }
}

/** Pass messages past the budget: sent again as they are (each is idempotent), then acknowledged. */
async function handBack(ctx: Ctx, deliveries: Delivery<PassMessage | PollStepMessage>[]): Promise<void> {
  try {
    await ctx.queues.sync.sendBatch(deliveries.map(({ body }) => ({ body })));
    for (const { message } of deliveries) message.ack();
  } catch (error) {
    console.error("could not hand pass messages back to the queue; retrying them", errorSummary(error));
    for (const { message } of deliveries) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}

type PassMessage = PassStartMessage | ChainStartMessage | PassStepMessage;

async function runPassMessage(ctx: Ctx, body: PassMessage): Promise<Settlement> {
  if (body.type === "pass.start") await startPassFromMessage({ ctx, input: body });
  else if (body.type === "passes.start") await startChainFromMessage({ ctx, input: body });
  else await stepPass({ ctx, input: body });
  return ACK;
}
