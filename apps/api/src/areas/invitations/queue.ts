import type { Bindings } from "../../bindings";
import { compose } from "../../composition";
import { mailerFromConfig } from "./email/mailer";
import { z } from "zod";
import { invitationRelayMessage } from "./relay-message";
import { invitationSendMessage } from "./send-message";
import { ACK, forEachOrganisation, settle, validDeliveries } from "../../queues/consume";
import { failDeadLetteredInvitation, relayInvitations, sendQueuedInvitation } from "./service";

/** What the `invitations` queue (and its dead-letter queue) carries. */
const invitationsQueueMessage = z.discriminatedUnion("type", [invitationSendMessage, invitationRelayMessage]);

/** `invitations`: send one invitation per message, or continue a relay; each message acked on its own. */
export async function handleInvitationsBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const composition = compose(env);
  const mailer = mailerFromConfig(composition.config);
  const deliveries = validDeliveries(batch, invitationsQueueMessage);
  await forEachOrganisation(composition, { type: "system" }, deliveries, async (ctx, group) => {
    for (const { message, body } of group) {
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
  });
}

/** `invitations-dlq`: a send that exhausted its retries is recorded as failed (shown, and retried next pass). */
export async function handleInvitationDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const deliveries = validDeliveries(batch, invitationsQueueMessage, "ack");
  await forEachOrganisation(compose(env), { type: "system" }, deliveries, async (ctx, group) => {
    for (const { message, body } of group) {
      await settle(message, async () => {
        if (body.type === "invitation.send") await failDeadLetteredInvitation({ ctx, input: { userId: body.userId } });
        return ACK;
      });
    }
  });
}
