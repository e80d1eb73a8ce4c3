import { z } from "zod";

/** Hand the next run of queued rows to the queue (a pass can queue more than one invocation should send). */
export const invitationRelayMessage = z.object({
  type: z.literal("invitation.relay"),
  version: z.literal(1),
});
export type InvitationRelayMessage = z.infer<typeof invitationRelayMessage>;
