import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { SchemaIssue } from "@uas/domain";
import { z } from "zod";
import type { InboundChange, InboundWebhook, WebhookDialect, WebhookParse, WebhookVerification } from "../connector";
import { fromHex, hmacSha256Matches } from "../native/hmac";
import { customerRecord, isRemovedRole, pushpressCustomerSchema, removalRecord } from "./records";

/**
 * PushPress deliveries: `webhook-signature` = hex HMAC-SHA256 keyed with the signing secret's UTF-8 bytes over
 * `JSON.stringify(body.data)` (the re-serialised data, not the raw body), exactly as the official SDK signs.
 */
export async function verifyPushPress(
  request: InboundWebhook,
  secrets: readonly string[],
): Promise<WebhookVerification> {
  const header = request.headers["webhook-signature"];
  if (header === undefined || header === "") return { ok: false, status: 401, reason: "webhook-signature is missing" };
  const signature = fromHex(header.trim());
  if (signature === null) return { ok: false, status: 401, reason: "webhook-signature is not hex" };
  let data: unknown;
  try {
    data = (JSON.parse(request.rawBody) as { data?: unknown } | null)?.data;
  } catch {
    return { ok: false, status: 401, reason: "The body is not JSON, so its data cannot be checked" };
  }
  if (data === undefined) return { ok: false, status: 401, reason: "The body has no data to check" };
  const signed = JSON.stringify(data);
  for (const secret of secrets) {
    if (secret !== "" && (await hmacSha256Matches(secret, signed, signature))) return { ok: true };
  }
  return { ok: false, status: 401, reason: "webhook-signature does not match the signing secret" };
}

const bodySchema = z.object({
  event: z.string().min(1),
  created: z.number().int().nonnegative(),
  data: z.record(z.string(), z.unknown()),
});

const CUSTOMER_EVENTS = new Set(["customer.created", "customer.details.changed", "customer.status.changed"]);
const ENROLLMENT_EVENTS = new Set(["enrollment.created", "enrollment.status.changed"]);

const deletedSchema = z.object({ id: z.string().min(1), companyId: z.string().optional() });
const enrollmentSchema = z.object({ customerId: z.string().min(1), companyId: z.string().optional() });

function issuesOf(error: z.ZodError, prefix: string): SchemaIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== "").join("."),
    message: issue.message,
  }));
}

/**
 * PushPress sends no message id: the idempotency key is a digest of the event name, its `created` second and
 * the data, so a redelivery is the same key and two different changes in one second are not.
 */
export function pushpressEventKey(event: string, created: number, data: unknown): string {
  return `pp_${bytesToHex(sha256(utf8ToBytes(`${event}\n${created}\n${JSON.stringify(data)}`))).slice(0, 40)}`;
}

function change(event: string, data: Record<string, unknown>, occurredAt: string): InboundChange | SchemaIssue[] {
  if (CUSTOMER_EVENTS.has(event)) {
    const parsed = pushpressCustomerSchema.safeParse(data);
    if (!parsed.success) return issuesOf(parsed.error, "data");
    const customer = parsed.data;
    if (isRemovedRole(customer.role))
      return { kind: "removal", record: removalRecord(customer.id, customer.companyId, occurredAt) };
    return { kind: "upsert", record: customerRecord(customer, occurredAt) };
  }
  if (event === "customer.deleted") {
    const parsed = deletedSchema.safeParse(data);
    if (!parsed.success) return issuesOf(parsed.error, "data");
    return { kind: "removal", record: removalRecord(parsed.data.id, parsed.data.companyId, occurredAt) };
  }
  if (ENROLLMENT_EVENTS.has(event)) {
    // An enrollment's status moves the customer's role; the customer is fetched for the whole picture.
    const parsed = enrollmentSchema.safeParse(data);
    if (!parsed.success) return issuesOf(parsed.error, "data");
    return { kind: "fetch", externalId: parsed.data.customerId };
  }
  return { kind: "ignored", reason: `PushPress event ${event} does not change people` };
}

export function parsePushPress(request: InboundWebhook, credentials?: Record<string, string>): WebhookParse {
  let raw: unknown;
  try {
    raw = JSON.parse(request.rawBody);
  } catch {
    return { ok: false, issues: [{ path: "", message: "The body is not JSON" }] };
  }
  const parsed = bodySchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error, "") };
  const { event, created, data } = parsed.data;
  const eventId = pushpressEventKey(event, created, data);
  const occurredAt = new Date(created * 1000).toISOString();
  const companyId = typeof data.companyId === "string" ? data.companyId : undefined;
  if (credentials?.companyId !== undefined && companyId !== undefined && companyId !== credentials.companyId) {
    return {
      ok: true,
      deliveries: [{ eventId, occurredAt, change: { kind: "ignored", reason: `An event of company ${companyId}` } }],
    };
  }
  const result = change(event, data, occurredAt);
  if (Array.isArray(result)) return { ok: false, issues: result };
  return { ok: true, deliveries: [{ eventId, occurredAt, change: result }] };
}

export const pushpressWebhooks: WebhookDialect = {
  verify: (request, secrets) => verifyPushPress(request, secrets),
  parse: parsePushPress,
};
