import { z } from "zod";
import { passStartMessage } from "../areas/passes/start-message";
import { passStepMessage } from "../areas/passes/step-message";
import { webhookApplyMessage } from "../areas/webhooks/apply-message";
import { invitationSendMessage } from "../areas/invitations/send-message";
import { invitationRelayMessage } from "../areas/invitations/relay-message";

export * from "../areas/passes/start-message";
export * from "../areas/passes/step-message";
export * from "../areas/webhooks/apply-message";

export const syncQueueMessage = z.discriminatedUnion("type", [passStartMessage, passStepMessage, webhookApplyMessage]);
export type SyncQueueMessage = z.infer<typeof syncQueueMessage>;

export const webhooksQueueMessage = webhookApplyMessage;

export * from "../areas/invitations/send-message";
export * from "../areas/invitations/relay-message";

export const invitationsQueueMessage = z.discriminatedUnion("type", [invitationSendMessage, invitationRelayMessage]);
export type InvitationsQueueMessage = z.infer<typeof invitationsQueueMessage>;
