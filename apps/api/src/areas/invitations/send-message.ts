import { z } from "zod";

/** Send one queued invitation; the consumer claims the row first, so a duplicate message sends nothing. */
export const invitationSendMessage = z.object({
  type: z.literal("invitation.send"),
  version: z.literal(1),
  userId: z.string().min(1),
});
export type InvitationSendMessage = z.infer<typeof invitationSendMessage>;
