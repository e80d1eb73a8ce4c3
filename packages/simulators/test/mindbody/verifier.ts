import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * An independent Mindbody signature check, written from the public format (not from the simulator's code):
 * X-Mindbody-Signature = "sha256=" + Base64(HMAC-SHA256(key = UTF-8 bytes of messageSignatureKey, message = raw body)).
 */
export function verifyMindbodySignature(
  rawBody: string,
  header: string | undefined,
  messageSignatureKey: string,
): boolean {
  if (header === undefined || !header.startsWith("sha256=")) return false;
  const given = Buffer.from(header.slice("sha256=".length), "base64");
  const hmac = createHmac("sha256", messageSignatureKey);
  hmac.update(Buffer.from(rawBody, "utf8"));
  const expected = hmac.digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}
