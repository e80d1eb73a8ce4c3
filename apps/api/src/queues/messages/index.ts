import { z } from "zod";
import { passStartMessage } from "./pass-start";
import { passStepMessage } from "./pass-step";
import { webhookApplyMessage } from "./webhook-apply";

export * from "./pass-start";
export * from "./pass-step";
export * from "./webhook-apply";

export const syncQueueMessage = z.discriminatedUnion("type", [passStartMessage, passStepMessage, webhookApplyMessage]);
export type SyncQueueMessage = z.infer<typeof syncQueueMessage>;
