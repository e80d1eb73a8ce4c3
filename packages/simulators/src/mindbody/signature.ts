import { createHmac } from "node:crypto";

/** `X-Mindbody-Signature`: `sha256=` + base64 HMAC-SHA256 of the raw body, keyed with the messageSignatureKey's bytes. */
export function mindbodySignature(rawBody: string, messageSignatureKey: string): string {
  return `sha256=${createHmac("sha256", Buffer.from(messageSignatureKey, "utf8")).update(rawBody, "utf8").digest("base64")}`;
}
