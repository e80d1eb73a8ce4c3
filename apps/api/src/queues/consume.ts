import { z } from "zod";
import { backoffSeconds } from "./retry";
import { errorSummary } from "../log";
import type { Composition } from "../composition";
import type { Actor, Ctx } from "../context";

/**
 * A message and its body. `organisationId` is the envelope every message has carried since the split into
 * one database per organisation (ADR 0021): the composition stamps it on sending. A message without it was
 * sent before the split, when every organisation's data was in the catalog database, and is read there.
 */
export type Delivery<T> = { message: Message<unknown>; body: T; organisationId?: string | undefined };

const envelope = z.object({ organisationId: z.string().min(1).max(128).optional() });

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
    const { organisationId, body } = openEnvelope(message.body);
    const parsed = organisationId === null ? envelope.safeParse(message.body) : schema.safeParse(body);
    if (parsed.success) {
      valid.push({ message, body: parsed.data as T, organisationId: organisationId ?? undefined });
    } else {
      console.error(`invalid ${batch.queue} message`, message.id, parsed.error.issues);
      if (onInvalid === "ack") message.ack();
      else message.retry({ delaySeconds: backoffSeconds(message.attempts) });
    }
  }
  return valid;
}

/** The envelope's organisation (null: not a valid one) and the body without it, for the message's schema. */
function openEnvelope(raw: unknown): { organisationId: string | undefined | null; body: unknown } {
  if (typeof raw !== "object" || raw === null || !("organisationId" in raw))
    return { organisationId: undefined, body: raw };
  const { organisationId, ...body } = raw as Record<string, unknown>;
  const parsed = envelope.safeParse({ organisationId });
  return { organisationId: parsed.success ? parsed.data.organisationId : null, body };
}

/**
 * Runs `work` once per organisation in the batch, with a context over that organisation's database; a
 * group whose database cannot be opened is retried, and the others go on.
 */
export async function forEachOrganisation<T>(
  composition: Composition,
  actor: Actor,
  deliveries: Delivery<T>[],
  work: (ctx: Ctx, deliveries: Delivery<T>[]) => Promise<void>,
): Promise<void> {
  const groups = new Map<string | undefined, Delivery<T>[]>();
  for (const delivery of deliveries) {
    const group = groups.get(delivery.organisationId);
    if (group) group.push(delivery);
    else groups.set(delivery.organisationId, [delivery]);
  }
  for (const [organisationId, group] of groups) {
    let ctx: Ctx;
    try {
      ctx = (await composition.ctxForOrganisation(organisationId))(actor);
    } catch (error) {
      console.error(`could not open the database of organisation ${organisationId}`, errorSummary(error));
      for (const { message } of group) message.retry({ delaySeconds: backoffSeconds(message.attempts) });
      continue;
    }
    await work(ctx, group);
  }
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
