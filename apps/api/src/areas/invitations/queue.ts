import type { Bindings } from "../../bindings";
import { invocationCtx } from "../../invocation";
import { mailerFromConfig } from "./email/mailer";
import { invitationsQueueMessage } from "../../queues/messages";
import { ACK, settle, validDeliveries } from "../../queues/consume";
import { failDeadLetteredInvitation, relayInvitations, sendQueuedInvitation } from "./service";

/** `invitations`: send one invitation per message, or continue a relay; each message acked on its own. */
export async function handleInvitationsBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const { ctx, config } = invocationCtx(env, { type: "system" });
  const mailer = mailerFromConfig(config);
  for (const { message, body } of validDeliveries(batch, invitationsQueueMessage)) {
    await settle(message, async () => {
      if (body.type === "invitation.relay") {
        await relayInvitations({ ctx });
        return ACK;
      }
      const outcome = await sendQueuedInvitation({
        ctx,
        input: { userId: body.userId, mailer, delivery: message.attempts },
      });
      return outcome.status === "retry" ? outcome : ACK;
    });
  }
}

/** `invitations-dlq`: a send that exhausted its retries is recorded as failed (shown, and retried next pass). */
export async function handleInvitationDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const { ctx } = invocationCtx(env, { type: "system" });
  for (const { message, body } of validDeliveries(batch, invitationsQueueMessage, "ack")) {
    await settle(message, async () => {
      if (body.type === "invitation.send") await failDeadLetteredInvitation({ ctx, input: { userId: body.userId } });
      return ACK;
    });
  }
}
