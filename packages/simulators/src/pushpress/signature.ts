import { createHmac } from "node:crypto";

/**
 * `webhook-signature`: hex HMAC-SHA256 keyed with the signing secret's UTF-8 bytes over
 * `JSON.stringify(body.data)` (the re-serialised data object, not the raw body), as the official SDK signs.
 */
export function pushpressSignature(data: unknown, signingSecret: string): string {
  return createHmac("sha256", Buffer.from(signingSecret, "utf8")).update(JSON.stringify(data), "utf8").digest("hex");
}
