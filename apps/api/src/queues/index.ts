import type { Bindings } from "../bindings";
import { handleSyncBatch } from "../areas/passes/queue";
import { handleWebhookDeadLetters, handleWebhooksBatch } from "../areas/webhooks/queue";
import { handleInvitationDeadLetters, handleInvitationsBatch } from "../areas/invitations/queue";
import { handleSyncDeadLetters } from "../areas/passes/dead-letter-queue";

/** One entry for every queue; each queue's consumer lives in its own file. */
export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  switch (batch.queue) {
    case "sync":
      return handleSyncBatch(batch, env);
    case "sync-dlq":
      return handleSyncDeadLetters(batch, env);
    case "webhooks":
      return handleWebhooksBatch(batch, env);
    case "webhooks-dlq":
      return handleWebhookDeadLetters(batch, env);
    case "invitations":
      return handleInvitationsBatch(batch, env);
    case "invitations-dlq":
      return handleInvitationDeadLetters(batch, env);
    default:
      console.error(`no consumer for queue ${batch.queue}; retrying so nothing is lost`);
      batch.retryAll({ delaySeconds: 60 });
  }
}
