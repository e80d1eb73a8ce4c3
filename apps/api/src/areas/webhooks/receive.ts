import type { Context } from "hono";
import { parseJson, parseSourceEvent, type SyncSource } from "@uas/domain";
import { receiveWebhook } from "./service";
import { webhookError } from "./errors";
import type { WebhookEnv } from "./middleware";

/** The last step, once the sender, size, signature and rate have passed: schema check, then the inbox. */
export function receiveEvent(source: SyncSource) {
  return async (c: Context<WebhookEnv>) => {
    const text = decodeUtf8(c.get("body"));
    const json = text === null ? undefined : parseJson(text);
    if (text === null || json === undefined) {
      return webhookError(c, 400, "invalid_payload", "The body is not JSON", {
        issues: [{ path: "", message: "Expected one JSON event" }],
      });
    }
    const parsed = parseSourceEvent(source, json);
    if (!parsed.ok) {
      return webhookError(c, 400, "invalid_payload", "The event does not match the contract", {
        issues: parsed.issues,
      });
    }

    const sender = c.get("sender");
    const webhookId = c.get("webhookId");
    const ctx = c.get("ctxFor")({ type: "webhook", sender: sender.sender });
    const { status } = await receiveWebhook({
      ctx,
      input: { sender, webhookId, payload: text },
      defer: (work) => c.executionCtx.waitUntil(work),
    });
    return c.json({ id: webhookId, status }, 202);
  };
}

function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return null;
  }
}
