import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type WebhookErrorCode =
  | "invalid_payload"
  | "invalid_signature"
  | "not_found"
  | "payload_too_large"
  | "rate_limited"
  | "source_unavailable";

/** The contract's error body: `{"error": {"code", "message", ...}}`. Messages never carry secrets or tenant data. */
export function webhookError(
  c: Context,
  status: ContentfulStatusCode,
  code: WebhookErrorCode,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return c.json({ error: { code, message, ...extra } }, status, headers);
}
