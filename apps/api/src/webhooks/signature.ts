/**
 * Standard Webhooks v1 verification with Web Crypto: HMAC-SHA256 over `{id}.{timestamp}.{body}`, keyed
 * with the bytes of a `whsec_<base64>` secret. `crypto.subtle.verify` compares in constant time.
 */

export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;
/** More candidates than any rotation needs; bounds the work one request can ask for. */
const MAX_SIGNATURES = 10;
const SECRET_PREFIX = "whsec_";

export type WebhookHeaders = { id: string | undefined; timestamp: string | undefined; signature: string | undefined };

export type Verification = { ok: true; webhookId: string } | { ok: false; message: string };

export async function verifyWebhookSignature(input: {
  headers: WebhookHeaders;
  body: Uint8Array;
  /** Every secret that may sign right now: the current one and, during a rotation's grace, the previous. */
  secrets: string[];
  nowMs: number;
}): Promise<Verification> {
  const { id, timestamp, signature } = input.headers;
  if (!id || !timestamp || !signature) {
    return { ok: false, message: "Missing webhook-id, webhook-timestamp or webhook-signature header" };
  }
  if (id.length > 256) return { ok: false, message: "webhook-id is longer than 256 characters" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, message: "webhook-timestamp must be Unix seconds" };
  const skew = Math.abs(Math.floor(input.nowMs / 1000) - Number(timestamp));
  if (skew > TIMESTAMP_TOLERANCE_SECONDS) {
    return { ok: false, message: "webhook-timestamp is more than 5 minutes from the receiver's clock" };
  }

  const candidates = signature
    .split(" ")
    .filter(Boolean)
    .slice(0, MAX_SIGNATURES)
    .flatMap((entry) => {
      const [version, value] = entry.split(",", 2);
      const bytes = version === "v1" && value ? decodeBase64(value) : null;
      return bytes ? [bytes] : [];
    });
  if (candidates.length === 0) return { ok: false, message: "webhook-signature has no v1 signature" };

  const signed = concat(new TextEncoder().encode(`${id}.${timestamp}.`), input.body);
  for (const secret of input.secrets) {
    const key = await importKey(secret);
    if (!key) continue;
    for (const candidate of candidates) {
      if (await crypto.subtle.verify("HMAC", key, candidate, signed)) return { ok: true, webhookId: id };
    }
  }
  return { ok: false, message: "No signature matches" };
}

async function importKey(secret: string): Promise<CryptoKey | null> {
  const raw = decodeBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  if (!raw || raw.length === 0) {
    // A stored secret that does not decode is our fault, not the sender's; say so in the log only.
    console.error("webhook secret is not valid base64");
    return null;
  }
  return crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
}

function decodeBase64(value: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(value), (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
