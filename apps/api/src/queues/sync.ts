import type { Bindings } from "../bindings";
import { invocationCtx } from "../invocation";
import type { Ctx } from "../context";
import { syncQueueMessage, type SyncQueueMessage } from "./messages";
import { backoffSeconds } from "./retry";
import { startPassFromMessage, stepPass } from "../services/passes";
import { applyStoredWebhook } from "../services/webhooks";
import { errorSummary } from "../log";

async function apply(ctx: Ctx, message: SyncQueueMessage): Promise<void> {
  switch (message.type) {
    case "pass.start":
      await startPassFromMessage({ ctx, input: message });
      return;
    case "pass.step":
      await stepPass({ ctx, input: message });
      return;
    case "webhook.apply": {
      const result = await applyStoredWebhook({ ctx, input: message });
      if (result.status === "failed") console.error("webhook cannot be applied", message.sender, message.webhookId, result.error);
      return;
    }
  }
}

/** Validates each message, applies it, and acks message by message; failures retry with backoff. */
export async function handleSyncBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const { ctx } = invocationCtx(env, { type: "system" });
  for (const message of batch.messages) {
    const parsed = syncQueueMessage.safeParse(message.body);
    if (!parsed.success) {
      // A malformed message can never succeed; retrying walks it to the dead-letter queue, where it stays visible.
      console.error("invalid sync message", message.id, parsed.error.issues);
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      continue;
    }
    try {
      await apply(ctx, parsed.data);
      message.ack();
    } catch (error) {
      console.error("sync message failed", message.id, errorSummary(error));
      message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
}
