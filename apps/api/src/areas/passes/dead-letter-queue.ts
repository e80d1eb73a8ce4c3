import type { Bindings } from "../../bindings";
import { compose } from "../../composition";
import { syncQueueMessage } from "./sync-message";
import { ACK, settle, validDeliveries } from "../../queues/consume";
import { recordDeadSyncMessage } from "./dead-letters";

/** The sync queue's dead-letter queue: record each message where admins and operators see it, then ack. */
export async function handleSyncDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const ctx = compose(env).ctxFor({ type: "system" });
  for (const { message, body } of validDeliveries(batch, syncQueueMessage, "ack")) {
    console.error("dead letter on sync-dlq", message.id, body.type);
    await settle(message, async () => {
      await recordDeadSyncMessage({ ctx, input: body });
      return ACK;
    });
  }
}
