import { type InboundWebhook, type SystemId, type WebhookDialect, connectorFor } from "@uas/connectors";
import type { WebhookSenderRow } from "@uas/engine";
import { SOURCE_KINDS } from "@uas/domain";

/** The signature and body dialect of a sender's system (its connector's `webhooks`). */
export function webhookDialect(sender: WebhookSenderRow): WebhookDialect {
  const dialect = connectorFor(SOURCE_KINDS[sender.source].defaultSystem as SystemId).webhooks;
  if (!dialect) throw new Error(`the ${sender.source} source's system takes no webhooks`);
  return dialect;
}

/**
 * The request as a connector reads it: headers lower-cased, the body's exact bytes (signatures are over
 * them) and, once decoded, its text.
 */
export function inboundWebhook(
  request: Request,
  headers: Record<string, string>,
  bytes: Uint8Array,
  text: string | null,
): InboundWebhook {
  return { method: request.method, url: request.url, headers, rawBody: text ?? "", rawBytes: bytes };
}
