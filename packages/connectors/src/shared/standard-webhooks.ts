import type { SchemaIssue } from "@uas/domain";
import type { InboundChange, InboundWebhook, WebhookParse, WebhookVerification } from "../connector";

/**
 * Standard Webhooks v1 (partner-contract.md §1) with Web Crypto: HMAC-SHA256 over
 * `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the bytes of a `whsec_<base64>` secret.
 * `crypto.subtle.verify` compares in constant time.
 */
export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;
/** More candidates than any rotation needs; bounds the work one request can ask for. */
const MAX_SIGNATURES = 10;
const SECRET_PREFIX = "whsec_";

const refuse = (reason: string): WebhookVerification => ({ ok: false, status: 401, reason });

export async function verifyStandardWebhook(
  request: InboundWebhook,
  secrets: readonly string[],
  nowMs: number,
): Promise<WebhookVerification> {
  const id = request.headers["webhook-id"];
  const timestamp = request.headers["webhook-timestamp"];
  const signature = request.headers["webhook-signature"];
  if (!id || !timestamp || !signature)
    return refuse("Missing webhook-id, webhook-timestamp or webhook-signature header");
  if (id.length > 256) return refuse("webhook-id is longer than 256 characters");
  if (!/^\d{1,12}$/.test(timestamp)) return refuse("webhook-timestamp must be Unix seconds");
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(timestamp));
  if (skew > TIMESTAMP_TOLERANCE_SECONDS)
    return refuse("webhook-timestamp is more than 5 minutes from the receiver's clock");

  const candidates = signature
    .split(" ")
    .filter(Boolean)
    .slice(0, MAX_SIGNATURES)
    .flatMap((entry) => {
      const [version, value] = entry.split(",", 2);
      const bytes = version === "v1" && value ? decodeBase64(value) : null;
      return bytes ? [bytes] : [];
    });
  if (candidates.length === 0) return refuse("webhook-signature has no v1 signature");

  const body = request.rawBytes ?? new TextEncoder().encode(request.rawBody);
  const signed = concat(new TextEncoder().encode(`${id}.${timestamp}.`), body);
  for (const secret of secrets) {
    const key = await importKey(secret);
    if (!key) continue;
    for (const candidate of candidates) {
      if (await crypto.subtle.verify("HMAC", key, candidate as BufferSource, signed as BufferSource))
        return { ok: true };
    }
  }
  return refuse("No signature matches");
}

async function importKey(secret: string): Promise<CryptoKey | null> {
  const raw = decodeBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
  if (!raw || raw.length === 0) {
    // A stored secret that does not decode is our fault, not the sender's; say so in the log only.
    console.error("webhook secret is not valid base64");
    return null;
  }
  return crypto.subtle.importKey("raw", raw as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
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

type ContractEventParse = { ok: true; change: { kind: "upsert" | "removal" } } | { ok: false; issues: SchemaIssue[] };

/**
 * A contract event body (one event per request) validated with the domain's schema for the kind and
 * handed on as it came: the inbox stores it and the engine applies it. The delivery id is `webhook-id`.
 */
export function parseContractEvent(request: InboundWebhook, parse: (raw: unknown) => ContractEventParse): WebhookParse {
  let json: unknown;
  try {
    json = JSON.parse(request.rawBody);
  } catch {
    return { ok: false, issues: [{ path: "", message: "Expected one JSON event" }] };
  }
  const parsed = parse(json);
  if (!parsed.ok) return { ok: false, issues: parsed.issues };
  const data = (json as { data: Record<string, unknown> }).data;
  const change: InboundChange = { kind: parsed.change.kind, record: data };
  return {
    ok: true,
    deliveries: [{ eventId: request.headers["webhook-id"] ?? "", occurredAt: String(data.updated_at), change }],
  };
}
