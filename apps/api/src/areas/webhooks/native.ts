import type { Context } from "hono";
import { ConnectorError, type ContractRecord, type InboundDelivery, type InboundWebhook } from "@uas/connectors";
import { openSystemCredentials } from "@uas/db";
import { INTEGRATION_SOURCE, MERGED_EVENT_TYPE, parseStoredEvent } from "@uas/domain";
import { secretBoxOf } from "../../env";
import { receiveWebhook } from "./service";
import { nativeConnector, connectionContext } from "../../sources/native";
import { webhookError } from "./errors";
import type { WebhookEnv } from "./middleware";

/** How long a system is told to wait when the person behind its event could not be fetched. */
const FETCH_RETRY_AFTER_SECONDS = 60;

/** The request as a connector reads it: lower-cased headers, the body as text (signatures are over it). */
export function inboundOf(c: Context<WebhookEnv>): InboundWebhook {
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { method: c.req.method, headers, rawBody: new TextDecoder().decode(c.get("body")), url: c.req.url };
}

type InboxEvent = { webhookId: string; payload: string };

/** A connector's record or removal as a contract event (the inbox's payload), for webhooks and polls alike. */
export const upserted = (record: ContractRecord) => ({ type: "member.upserted", data: record });
export const removal = (record: ContractRecord) => ({ type: "member.removed", data: record });
const removed = (externalId: string, updatedAt: string) => ({
  type: "member.removed",
  data: { external_id: externalId, location_ids: [], updated_at: updatedAt },
});

/**
 * A delivery in the partner contract's event shape, so the inbox and the apply path stay the partner's.
 * `fetch` is resolved here by fetching the person (gone = removed at the source). A profile merge becomes
 * one `member.merged` event: the kept person's record (fetched) naming the person merged into them, whose
 * rows the engine hands over (ADR 0016 "Profile merges"). When the kept person cannot be found either,
 * the removed person's removal is all there is to apply.
 */
async function toInboxEvents(
  delivery: InboundDelivery,
  fetchOne: (externalId: string) => Promise<ContractRecord | null>,
): Promise<InboxEvent[]> {
  const { change, eventId, occurredAt } = delivery;
  const one = (payload: unknown, suffix = "") => ({
    webhookId: `${eventId}${suffix}`,
    payload: JSON.stringify(payload),
  });
  switch (change.kind) {
    case "upsert":
      return [one(upserted(change.record))];
    case "removal":
      return [one(removal(change.record))];
    case "fetch": {
      const record = await fetchOne(change.externalId);
      return [one(record ? upserted(record) : removed(change.externalId, occurredAt))];
    }
    case "merge": {
      const kept = await fetchOne(change.keptExternalId);
      if (!kept) return [one(removed(change.removedExternalId, change.updatedAt), ":removed")];
      return [
        one({ type: MERGED_EVENT_TYPE, data: { ...kept, merged_external_id: change.removedExternalId } }, ":merged"),
      ];
    }
    case "ignored":
      return [];
  }
}

/** The last step for a native system, once its signature and the rate have passed: parse, translate, store. */
export async function receiveNativeEvent(c: Context<WebhookEnv>) {
  const target = c.get("target");
  const connector = nativeConnector(target.system);
  const dialect = connector?.webhooks;
  if (!connector || !dialect) return webhookError(c, 404, "not_found", "This integration's system sends no webhooks");
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(c.get("body"));
  } catch {
    return webhookError(c, 400, "invalid_payload", "The body is not UTF-8", {
      issues: [{ path: "", message: "Expected one JSON event" }],
    });
  }
  const box = secretBoxOf(c.get("config"));
  const credentials = await openSystemCredentials(box, target.credentials);
  const parsed = dialect.parse({ ...inboundOf(c), rawBody: text }, credentials);
  if (!parsed.ok) {
    return webhookError(c, 400, "invalid_payload", "The event does not match the system's format", {
      issues: parsed.issues,
    });
  }

  const sender = c.get("sender");
  const ctx = c.get("ctxFor")({ type: "webhook", sender: sender.sender });
  const context = connectionContext(ctx, target.baseUrl, credentials);
  const fetchOne = (externalId: string) => connector.fetchOne(context, externalId);
  let events: InboxEvent[];
  try {
    events = (await Promise.all(parsed.deliveries.map((delivery) => toInboxEvents(delivery, fetchOne)))).flat();
  } catch (error) {
    // Nothing is stored: the system retries the delivery (Mindbody for hours) and the fetch with it.
    const message = error instanceof ConnectorError ? error.message : "the system could not be reached";
    return webhookError(
      c,
      503,
      "source_unavailable",
      `The person behind this event could not be fetched: ${message}`,
      {},
      { "Retry-After": String(FETCH_RETRY_AFTER_SECONDS) },
    );
  }
  // The connector's translation must fit the contract like a partner's event (400 names the field).
  for (const event of events) {
    const checked = parseStoredEvent(INTEGRATION_SOURCE, JSON.parse(event.payload));
    if (!checked.ok) {
      return webhookError(c, 400, "invalid_payload", "The event does not match the contract", {
        issues: checked.issues,
      });
    }
  }
  const statuses: Array<"accepted" | "duplicate"> = [];
  for (const event of events) {
    const { status } = await receiveWebhook({
      ctx,
      input: { sender, webhookId: event.webhookId, payload: event.payload },
      defer: (work) => c.executionCtx.waitUntil(work),
    });
    statuses.push(status);
  }
  const status = statuses.length > 0 && statuses.every((s) => s === "duplicate") ? "duplicate" : "accepted";
  return c.json({ id: parsed.deliveries[0]?.eventId ?? null, status }, 202);
}
