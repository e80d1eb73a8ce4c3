import type { InboundDelivery, InboundWebhook, WebhookDialect, WebhookParse } from "../connector";
import { glofoxRecord, glofoxRemoval } from "./map";
import { GLOFOX_EVENT_TYPES, glofoxMemberSchema, glofoxWebhookSchema } from "./schema";

const encoder = new TextEncoder();

function hexBytes(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return null;
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * `signature`: hex HMAC-SHA256 of the raw body, keyed with the webhook secret's UTF-8 bytes (README: the
 * string-to-sign could not be read in Glofox's CDC page; the raw body is what the simulator signs).
 * `crypto.subtle.verify` compares in constant time. Glofox signs no timestamp: replays are caught by the
 * event `id` (the inbox's idempotency key).
 */
export async function verifyGlofoxSignature(rawBody: string, header: string | undefined, secrets: readonly string[]) {
  const signature = header === undefined ? null : hexBytes(header.trim());
  if (signature === null) return false;
  const data = encoder.encode(rawBody);
  for (const secret of secrets) {
    if (secret === "") continue;
    const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "verify",
    ]);
    if (await crypto.subtle.verify("HMAC", key, signature, data)) return true;
  }
  return false;
}

function parseGlofoxWebhook(request: InboundWebhook): WebhookParse {
  let json: unknown;
  try {
    json = JSON.parse(request.rawBody);
  } catch {
    return { ok: false, issues: [{ path: "", message: "The body is not JSON" }] };
  }
  const envelope = glofoxWebhookSchema.safeParse(json);
  if (!envelope.success) {
    return {
      ok: false,
      issues: envelope.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    };
  }
  const { id, type, created, branch_id: branchId } = envelope.data;
  const occurredAt = new Date(created * 1000).toISOString();
  if (!(GLOFOX_EVENT_TYPES as readonly string[]).includes(type)) {
    const delivery: InboundDelivery = {
      eventId: id,
      occurredAt,
      change: { kind: "ignored", reason: `Glofox event ${type} does not change people` },
    };
    return { ok: true, deliveries: [delivery] };
  }
  const member = glofoxMemberSchema.safeParse(envelope.data.data);
  if (!member.success) {
    return {
      ok: false,
      issues: member.error.issues.map((i) => ({ path: ["data", ...i.path.map(String)].join("."), message: i.message })),
    };
  }
  const branch = member.data.branch_id ?? branchId ?? "";
  const change = member.data.active
    ? { kind: "upsert" as const, record: glofoxRecord(member.data, branch) }
    : { kind: "removal" as const, record: glofoxRemoval(member.data, branch) };
  return { ok: true, deliveries: [{ eventId: id, occurredAt, change }] };
}

/** MEMBER_CREATED / MEMBER_UPDATED; no delete event, so `active: false` is a removal at the source. */
export const glofoxWebhooks: WebhookDialect = {
  async verify(request, secrets) {
    return (await verifyGlofoxSignature(request.rawBody, request.headers.signature, secrets))
      ? { ok: true }
      : { ok: false, status: 401, reason: "The signature header does not match the body" };
  },
  parse: parseGlofoxWebhook,
};
