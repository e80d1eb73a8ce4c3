import { errorSummary } from "../log";
import type { Bindings } from "../bindings";
import { invocationCtx } from "../invocation";
import { syncQueueMessage } from "./messages";
import { backoffSeconds } from "./retry";
import { recordDeadSyncMessage } from "../services/dead-letters";

/** The sync queue's dead-letter queue: record each message where admins and operators see it, then ack. */
export async function handleSyncDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const { ctx } = invocationCtx(env, { type: "system" });
  for (const message of batch.messages) {
    const parsed = syncQueueMessage.safeParse(message.body);
    console.error("dead letter on sync-dlq", message.id, (message.body as { type?: unknown } | null)?.type);
    if (!parsed.success) {
      // Unreadable: the log line above is its record; nothing in the database refers to it.
      message.ack();
      continue;
    }
    try {
      await recordDeadSyncMessage({ ctx, input: parsed.data });
      message.ack();
    } catch (error) {
      console.error("could not record a dead letter; retrying", message.id, errorSummary(error));
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
