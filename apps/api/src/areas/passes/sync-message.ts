import { z } from "zod";
import { webhookApplyMessage } from "../webhooks/apply-message";
import { chainStartMessage, passStartMessage } from "./start-message";
import { passStepMessage } from "./step-message";
import { pollStepMessage } from "../polling/step-message";
import { retentionPruneMessage } from "../retention/prune-message";
import { cronRunMessage } from "../cron/run-message";

/**
 * What the `sync` queue (and its dead-letter queue) carries: pass messages, retention steps, delta poll
 * steps (ADR 0018), an organisation database's share of a cron (ADR 0021), and `webhook.apply` version 1, sent there before webhooks had a queue of their own and
 * still applied while those messages drain.
 */
export const syncQueueMessage = z.discriminatedUnion("type", [
  passStartMessage,
  chainStartMessage,
  passStepMessage,
  retentionPruneMessage,
  webhookApplyMessage,
  pollStepMessage,
  cronRunMessage,
]);
export type SyncQueueMessage = z.infer<typeof syncQueueMessage>;
