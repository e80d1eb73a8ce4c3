import type { AppConfig } from "../env";
import type { Bindings } from "../bindings";
import { invocationCtx } from "../invocation";
import type { Ctx } from "../context";
import { mailerFromConfig } from "../email/mailer";
import { invitationSendMessage, invitationsQueueMessage } from "./messages";
import { backoffSeconds } from "./retry";
import { failDeadLetteredInvitation, relayInvitations, sendQueuedInvitation } from "../services/invitations";
import { errorSummary } from "../log";

function contextOf(env: Bindings): { ctx: Ctx; config: AppConfig } {
  return invocationCtx(env, { type: "system" });
}

/** `invitations`: send one invitation per message, or continue a relay; each message acked on its own. */
export async function handleInvitationsBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const { ctx, config } = contextOf(env);
  const mailer = mailerFromConfig(config);
  for (const message of batch.messages) {
    const parsed = invitationsQueueMessage.safeParse(message.body);
    if (!parsed.success) {
      console.error("invalid invitations message", message.id, parsed.error.issues);
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      continue;
    }
    try {
      if (parsed.data.type === "invitation.relay") {
        await relayInvitations({ ctx });
        message.ack();
        continue;
      }
      const outcome = await sendQueuedInvitation({ ctx, input: { userId: parsed.data.userId, mailer, delivery: message.attempts } });
      if (outcome.status === "retry") {
        console.warn("invitation retried", parsed.data.userId, outcome.reason);
        message.retry({ delaySeconds: outcome.delaySeconds });
      } else {
        message.ack();
      }
    } catch (error) {
      console.error("invitations message failed", message.id, errorSummary(error));
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}

/** `invitations-dlq`: a send that exhausted its retries is recorded as failed (shown, and retried next pass). */
export async function handleInvitationDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const { ctx } = contextOf(env);
  for (const message of batch.messages) {
    const parsed = invitationSendMessage.safeParse(message.body);
    try {
      if (parsed.success) await failDeadLetteredInvitation({ ctx, input: { userId: parsed.data.userId } });
      else console.error("dead-lettered invitations message", message.id);
      message.ack();
    } catch (error) {
      console.error("could not record a dead-lettered invitation", message.id, errorSummary(error));
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
