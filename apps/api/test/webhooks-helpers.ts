/// <reference types="@cloudflare/vitest-pool-workers/types" />
import { env, SELF } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { eq } from "drizzle-orm";
import {
  insertCctvSource,
  insertIntegration,
  newId,
  newWebhookSecret,
  updateSyncSettings,
  webhookInbox,
  type Db,
} from "@uas/db";
import { createTenant, testDb } from "./support";

export const BASE = "http://api.test";
/** `ratelimits.WEBHOOK_RATE_LIMITER.simple.limit` in vitest.config.ts. */
export const TEST_RATE_LIMIT = 5;

/** A tenant with one integration mapping `loc-north` to the granted facility, and a CCTV source there. */
export async function createWebhookTenant(db: Db = testDb(), options: { sourcesOn?: boolean } = {}) {
  const tenant = await createTenant(db);
  const now = Date.now();
  const integration = await insertIntegration(
    db,
    {
      organisationId: tenant.organisation.id,
      name: "Partner",
      baseUrl: env.DEMO_PARTNER_URL,
      apiKey: "key",
      locations: { "loc-north": tenant.granted.id },
    },
    now,
  );
  const cctv = await insertCctvSource(
    db,
    { facilityId: tenant.granted.id, baseUrl: `${env.DEMO_PARTNER_URL}/cctv`, apiKey: "key" },
    now,
  );
  if (options.sourcesOn) {
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true, cctvEnabled: true }, now);
  }
  return {
    ...tenant,
    integration,
    cctv,
    integrationUrl: `${BASE}/webhooks/integrations/${integration.id}`,
    cctvUrl: `${BASE}/webhooks/cctv/${tenant.granted.id}`,
    integrationSender: `integration:${integration.id}`,
    cctvSender: `cctv:${tenant.granted.id}`,
  };
}

export type WebhookTenant = Awaited<ReturnType<typeof createWebhookTenant>>;

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Standard Webhooks headers made by the reference library, as a partner would send them. */
export function signedHeaders(secret: string, body: string, options: { id?: string; timestamp?: number } = {}) {
  const id = options.id ?? newId("msg");
  const timestamp = options.timestamp ?? nowSeconds();
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": signature,
  };
}

export async function postSigned(
  url: string,
  secret: string,
  event: unknown,
  options: { id?: string; timestamp?: number; headers?: Record<string, string> } = {},
) {
  const body = typeof event === "string" ? event : JSON.stringify(event);
  const headers = { ...signedHeaders(secret, body, options), ...options.headers };
  const res = await SELF.fetch(url, { method: "POST", headers, body });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
    id: headers["webhook-id"],
  };
}

export async function inboxRows(db: Db, sender: string) {
  return db.select().from(webhookInbox).where(eq(webhookInbox.sender, sender));
}

export function member(overrides: Record<string, unknown> = {}) {
  return {
    type: "member.upserted",
    data: {
      external_id: newId("M"),
      first_name: "Ada",
      last_name: "Lovelace",
      email: "ada@example.com",
      mobile_phone: "+447700900123",
      person_type: "member",
      membership_status: "active",
      tags: ["gold"],
      location_ids: ["loc-north"],
      updated_at: "2026-11-24T09:59:58Z",
      ...overrides,
    },
  };
}

export function cctvPerson(overrides: Record<string, unknown> = {}) {
  return {
    type: "person.identified",
    data: {
      person_id: newId("cv"),
      first_name: "Grace",
      last_name: "Hopper",
      email: "grace@example.com",
      mobile_phone: null,
      updated_at: "2026-11-24T09:00:00Z",
      ...overrides,
    },
  };
}

/** The exact error envelope of the contract. */
export function errorOf(body: Record<string, unknown>) {
  return body.error as { code: string; message: string; issues?: { path: string; message: string }[] };
}

export { newWebhookSecret };

/** Polls until `read` returns a value, for work done by the queue consumer in the background. */
export async function eventually<T>(read: () => Promise<T | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for the queue consumer");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
