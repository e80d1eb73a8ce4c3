import type { Bindings } from "../../bindings";
import { compose } from "../../composition";
import { syncQueueMessage } from "./sync-message";
import { ACK, forEachOrganisation, settle, validDeliveries } from "../../queues/consume";
import { recordDeadSyncMessage } from "./dead-letters";

/** The sync queue's dead-letter queue: record each message where admins and operators see it, then ack. */
export async function handleSyncDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const deliveries = validDeliveries(batch, syncQueueMessage, "ack");
  await forEachOrganisation(compose(env), { type: "system" }, deliveries, async (ctx, group) => {
    for (const { message, body } of group) {
      console.error("dead letter on sync-dlq", message.id, body.type);
      await settle(message, async () => {
        await recordDeadSyncMessage({ ctx, input: body });
        return ACK;
      });
    }
  });
}
