import { z } from "zod";
import { passStartMessage } from "./pass-start";
import { passStepMessage } from "./pass-step";
import { webhookApplyMessage } from "./webhook-apply";
import { invitationSendMessage } from "./invitation-send";
import { invitationRelayMessage } from "./invitation-relay";

export * from "./pass-start";
export * from "./pass-step";
export * from "./webhook-apply";

export const syncQueueMessage = z.discriminatedUnion("type", [passStartMessage, passStepMessage, webhookApplyMessage]);
export type SyncQueueMessage = z.infer<typeof syncQueueMessage>;

export const webhooksQueueMessage = webhookApplyMessage;

export * from "./invitation-send";
export * from "./invitation-relay";

export const invitationsQueueMessage = z.discriminatedUnion("type", [invitationSendMessage, invitationRelayMessage]);
export type InvitationsQueueMessage = z.infer<typeof invitationsQueueMessage>;
