import { z } from "zod";
import { parseSenderKey } from "@uas/domain";

/**
 * Apply one stored webhook: the consumer loads the inbox row by its key, so the body stays in the database.
 * Version 2 goes to the `webhooks` queue; version 1 went to the `sync` queue before webhooks had a queue
 * of their own, and is still applied there while those messages drain (ADR 0009).
 */
export const webhookApplyMessage = z.object({
  type: z.literal("webhook.apply"),
  version: z.union([z.literal(1), z.literal(2)]),
  /** A sender key of the source registry (`<kind>:<integration or facility id>`, domain sender-key.ts). */
  sender: z.string().refine((key) => parseSenderKey(key) !== null, "not a sender key"),
  webhookId: z.string().min(1),
});
export type WebhookApplyMessage = z.infer<typeof webhookApplyMessage>;
