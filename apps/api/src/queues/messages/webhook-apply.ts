import { z } from "zod";

/** Apply one stored webhook: the consumer loads the inbox row by its key, so the body stays in the database. */
export const webhookApplyMessage = z.object({
  type: z.literal("webhook.apply"),
  version: z.literal(1),
  /** `integration:<id>` or `cctv:<facilityId>`. */
  sender: z.string().regex(/^(integration|cctv):.+$/),
  webhookId: z.string().min(1),
});
export type WebhookApplyMessage = z.infer<typeof webhookApplyMessage>;
