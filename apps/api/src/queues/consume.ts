import type { z } from "zod";
import { backoffSeconds } from "./retry";
import { errorSummary } from "../log";

export type Delivery<T> = { message: Message<unknown>; body: T };

/** Work's verdict on a message: acknowledge it, or try it again after a delay of its own choosing. */
export type Settlement = { status: "ack" } | { status: "retry"; delaySeconds: number; reason: string };

export const ACK: Settlement = { status: "ack" };

/**
 * The messages of a batch that match the queue's schema. A malformed message can never succeed: on a
 * work queue, retrying walks it to the dead-letter queue, where it stays visible; on a dead-letter
 * queue, the log line is its record and it is acknowledged.
 */
export function validDeliveries<T>(
  batch: MessageBatch<unknown>,
  schema: z.ZodType<T>,
  onInvalid: "retry" | "ack" = "retry",
): Delivery<T>[] {
  const valid: Delivery<T>[] = [];
  for (const message of batch.messages) {
    const parsed = schema.safeParse(message.body);
    if (parsed.success) {
      valid.push({ message, body: parsed.data });
    } else {
      console.error(`invalid ${batch.queue} message`, message.id, parsed.error.issues);
      if (onInvalid === "ack") message.ack();
      else message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
  return valid;
}

/** Runs one message's work and acks or retries it; a throw retries with exponential backoff. */
export async function settle(message: Message<unknown>, work: () => Promise<Settlement>): Promise<void> {
  try {
    conclude(message, await work());
  } catch (error) {
    console.error("queue message failed", message.id, errorSummary(error));
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  }
}

export function conclude(message: Message<unknown>, settlement: Settlement): void {
  if (settlement.status === "ack") {
    message.ack();
    return;
  }
  console.warn("queue message retried", message.id, settlement.reason);
  message.retry({ delaySeconds: settlement.delaySeconds });
}
