import type { SchemaIssue } from "@uas/domain";
import { z } from "zod";
import type { InboundChange, InboundWebhook, WebhookDialect, WebhookParse, WebhookVerification } from "../connector";
import { fromBase64, hmacSha256Matches } from "../native/hmac";
import { externalIdOf, isoInstant, personType, phoneOf, removalRecord } from "./records";

/**
 * Mindbody Webhooks API deliveries: `X-Mindbody-Signature: sha256=<base64 HMAC-SHA256 of the raw body>`
 * keyed with the subscription's messageSignatureKey; `messageId` is the idempotency key (Mindbody retries
 * with the same one for hours and guarantees neither order nor exactly-once).
 */

const SIGNATURE_PREFIX = "sha256=";

export async function verifyMindbody(
  request: InboundWebhook,
  secrets: readonly string[],
): Promise<WebhookVerification> {
  const header = request.headers["x-mindbody-signature"];
  if (header === undefined || header === "")
    return { ok: false, status: 401, reason: "X-Mindbody-Signature is missing" };
  if (!header.startsWith(SIGNATURE_PREFIX))
    return { ok: false, status: 401, reason: "X-Mindbody-Signature does not start with sha256=" };
  const signature = fromBase64(header.slice(SIGNATURE_PREFIX.length).trim());
  if (signature === null) return { ok: false, status: 401, reason: "X-Mindbody-Signature is not base64" };
  // The signature is over the body's bytes: those as received where the route has them.
  const body = request.rawBytes ?? request.rawBody;
  for (const secret of secrets) {
    if (secret !== "" && (await hmacSha256Matches(secret, body, signature))) return { ok: true };
  }
  return { ok: false, status: 401, reason: "X-Mindbody-Signature does not match the subscription's key" };
}

const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(isoInstant(value))), "Must be a date-time");
const nullableText = z.string().nullish();

const envelopeSchema = z
  .object({
    messageId: z.string().min(1).max(200),
    eventId: z.string().min(1),
    eventSchemaVersion: z.number().optional(),
    // The notes and the simulator say eventInstanceOriginationDateTime; Mindbody's SDK types say …Date.
    eventInstanceOriginationDateTime: timestamp.optional(),
    eventInstanceOriginationDate: timestamp.optional(),
    eventData: z.record(z.string(), z.unknown()),
  })
  .refine((body) => body.eventInstanceOriginationDateTime ?? body.eventInstanceOriginationDate, {
    message: "Required",
    path: ["eventInstanceOriginationDateTime"],
  });

const siteSchema = z.object({ siteId: z.union([z.number(), z.string()]).optional() });

const clientEventSchema = z.object({
  clientId: z.string().min(1),
  clientUniqueId: z.number().int(),
  status: nullableText,
  firstName: nullableText,
  lastName: nullableText,
  email: nullableText,
  mobilePhone: nullableText,
  homePhone: nullableText,
  workPhone: nullableText,
  isProspect: z.boolean().nullish(),
  homeLocation: z.union([z.number().int(), z.object({ Id: z.number().int() }), z.null()]).optional(),
});

const mergeEventSchema = z.object({
  mergeDateTime: timestamp.optional(),
  keptClientUniqueId: z.number().int(),
  removedClientUniqueId: z.number().int(),
});

/** Membership and contract events name the client; their data cannot say the status or the location. */
const clientRefSchema = z
  .object({ clientUniqueId: z.number().int().optional(), clientId: z.string().min(1).optional() })
  .refine((data) => data.clientUniqueId !== undefined || data.clientId !== undefined, {
    message: "Required",
    path: ["clientUniqueId"],
  });

const MEMBERSHIP_EVENTS = new Set([
  "clientMembershipAssignment.created",
  "clientMembershipAssignment.cancelled",
  "clientContract.created",
  "clientContract.updated",
  "clientContract.cancelled",
]);

function issuesOf(error: z.ZodError, prefix: string): SchemaIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== "").join("."),
    message: issue.message,
  }));
}

function change(eventId: string, data: Record<string, unknown>, occurredAt: string): InboundChange | SchemaIssue[] {
  if (eventId === "client.created" || eventId === "client.updated" || eventId === "client.deactivated") {
    const parsed = clientEventSchema.safeParse(data);
    if (!parsed.success) return issuesOf(parsed.error, "eventData");
    const client = parsed.data;
    if (eventId === "client.deactivated")
      return { kind: "removal", record: removalRecord(client.clientUniqueId, occurredAt) };
    const location = typeof client.homeLocation === "number" ? client.homeLocation : client.homeLocation?.Id;
    // Without a home location the facility cannot be told from the event: fetch the person.
    if (location === undefined) return { kind: "fetch", externalId: externalIdOf(client.clientUniqueId) };
    return {
      kind: "upsert",
      record: {
        external_id: externalIdOf(client.clientUniqueId),
        first_name: client.firstName ?? null,
        last_name: client.lastName ?? null,
        email: client.email ?? null,
        mobile_phone: phoneOf(client.mobilePhone, client.homePhone, client.workPhone),
        person_type: personType(client.isProspect, client.status),
        membership_status: client.status ?? null,
        tags: null,
        location_ids: [String(location)],
        updated_at: occurredAt,
      },
    };
  }
  if (eventId === "clientProfileMerger.created") {
    const parsed = mergeEventSchema.safeParse(data);
    if (!parsed.success) return issuesOf(parsed.error, "eventData");
    return {
      kind: "merge",
      keptExternalId: externalIdOf(parsed.data.keptClientUniqueId),
      removedExternalId: externalIdOf(parsed.data.removedClientUniqueId),
      updatedAt: parsed.data.mergeDateTime ? isoInstant(parsed.data.mergeDateTime) : occurredAt,
    };
  }
  if (MEMBERSHIP_EVENTS.has(eventId)) {
    const parsed = clientRefSchema.safeParse(data);
    if (!parsed.success) return issuesOf(parsed.error, "eventData");
    const { clientUniqueId, clientId } = parsed.data;
    return {
      kind: "fetch",
      externalId: clientUniqueId !== undefined ? externalIdOf(clientUniqueId) : `Id:${clientId}`,
    };
  }
  return { kind: "ignored", reason: `Mindbody event ${eventId} does not change people` };
}

export function parseMindbody(request: InboundWebhook, credentials?: Record<string, string>): WebhookParse {
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody);
  } catch {
    return { ok: false, issues: [{ path: "", message: "The body is not JSON" }] };
  }
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { ok: false, issues: issuesOf(envelope.error, "") };
  const { messageId, eventId, eventData } = envelope.data;
  const occurredAt = isoInstant(
    (envelope.data.eventInstanceOriginationDateTime ?? envelope.data.eventInstanceOriginationDate) as string,
  );
  const site = siteSchema.safeParse(eventData);
  if (!site.success) return { ok: false, issues: issuesOf(site.error, "eventData") };
  const siteId = site.data.siteId;
  if (credentials?.siteId !== undefined && siteId !== undefined && String(siteId) !== String(credentials.siteId)) {
    return {
      ok: true,
      deliveries: [
        { eventId: messageId, occurredAt, change: { kind: "ignored", reason: `An event of site ${siteId}` } },
      ],
    };
  }
  const result = change(eventId, eventData, occurredAt);
  if (Array.isArray(result)) return { ok: false, issues: result };
  return { ok: true, deliveries: [{ eventId: messageId, occurredAt, change: result }] };
}

export const mindbodyWebhooks: WebhookDialect = {
  verify: (request, secrets) => verifyMindbody(request, secrets),
  parse: parseMindbody,
  // Mindbody activates a subscription only after a HEAD of its URL answers 2xx.
  probeStatus: 200,
};
