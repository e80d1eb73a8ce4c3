import { describe, it, expect, beforeAll } from "vitest";
import { SELF, env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { accessUser, integration, updateSyncSettings, webhookInbox } from "@uas/db";
import { eventually } from "../../../test/invitations-support";
import { createTenant, signIn, testDb, trpcMutation, type Tenant } from "../../../test/support";

/**
 * Glofox wired into the product: Connect with its three credentials and the webhook secret it issued,
 * "Test connection", its branch as the one location, and its change webhooks on
 * `POST /webhooks/integrations/{id}`, verified by the `signature` header. The signer here is written from
 * the public format (hex HMAC-SHA256 of the raw body, connectors/src/glofox/README.md), not the connector's.
 */

type Check = { ok: boolean; problem?: string; message: string };
const api = () => `${env.GLOFOX_URL}/prod`;
const webhookSecret = "glofox-issued-webhook-secret";
const credentials = (overrides: Record<string, string> = {}) => ({
  apiKey: "test-glofox-key",
  apiToken: "test-glofox-token",
  branchId: env.GLOFOX_BRANCH_ID,
  ...overrides,
});

async function signature(rawBody: string, secret: string) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(rawBody)));
  return [...mac].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

const event = (id: string, type: string, member: Record<string, unknown>) =>
  JSON.stringify({ id, type, branch_id: env.GLOFOX_BRANCH_ID, created: Math.floor(Date.now() / 1000), data: member });

const memberOf = (id: string, active: boolean, modified: number) => ({
  _id: id,
  branch_id: env.GLOFOX_BRANCH_ID,
  first_name: "Hooked",
  last_name: "Glofox",
  email: `${id}@example.com`,
  phone: null,
  active,
  membership: { type: "time", status: active ? "ACTIVE" : "CANCELLED" },
  lead_status: "MEMBER",
  modified,
});

function post(integrationId: string, body: string, headers: Record<string, string>) {
  return SELF.fetch(`http://api.test/webhooks/integrations/${integrationId}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

describe("Glofox: connect, test connection, and its change webhooks on the same route", () => {
  const db = testDb();
  let tenant: Tenant;
  let cookie: string;
  let integrationId: string;

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });

  const target = (creds: Record<string, string>) => ({
    organisationId: tenant.organisation.id,
    target: { system: "glofox", baseUrl: api(), credentials: creds },
  });

  it("tests the connection (wrong key, wrong branch in plain words), lists the branch, connects with the issued secret", async () => {
    const good = await trpcMutation("integrations.testConnection", target(credentials()), cookie);
    expect(good.body.result?.data).toEqual({ ok: true, message: "Connected to Glofox" });
    const wrongKey = await trpcMutation("integrations.testConnection", target(credentials({ apiKey: "no" })), cookie);
    expect(wrongKey.body.result?.data).toMatchObject({ ok: false, problem: "wrong-credentials" });
    expect((wrongKey.body.result?.data as Check).message).toMatch(/^Wrong key: /);
    const wrongBranch = await trpcMutation(
      "integrations.testConnection",
      target(credentials({ branchId: "no-such-branch" })),
      cookie,
    );
    expect((wrongBranch.body.result?.data as Check).message).toMatch(/^Wrong branch: /);
    const locations = await trpcMutation("integrations.systemLocations", target(credentials()), cookie);
    expect((locations.body.result?.data as { locations: Array<{ id: string }> }).locations.map((l) => l.id)).toEqual([
      env.GLOFOX_BRANCH_ID,
    ]);

    const connected = await trpcMutation(
      "integrations.connect",
      {
        organisationId: tenant.organisation.id,
        name: "Studio Glofox",
        system: "glofox",
        baseUrl: api(),
        credentials: { ...credentials(), webhookSecret },
        locations: [{ locationId: env.GLOFOX_BRANCH_ID, facilityId: tenant.granted.id }],
      },
      cookie,
    );
    expect(connected.status).toBe(200);
    const page = connected.body.result?.data as { integrationId: string; integrations: Array<Record<string, unknown>> };
    integrationId = page.integrationId;
    expect(page.integrations.find((i) => i.id === integrationId)).toMatchObject({
      system: "glofox",
      systemLabel: "Glofox",
      accountId: env.GLOFOX_BRANCH_ID,
      managesWebhooks: false,
    });
    // The issued secret is the integration's webhook secret, not one of the sealed credentials.
    const [row] = await db.select().from(integration).where(eq(integration.id, integrationId));
    expect(row?.credentials).not.toContain(webhookSecret);
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
  });

  it("a good signature is 202 and applied; a redelivery is a duplicate; a bad signature is 401", async () => {
    const body = event("evt-glofox-1", "MEMBER_CREATED", memberOf("gf_hooked_1", true, 1_764_669_600));
    const first = await post(integrationId, body, { signature: await signature(body, webhookSecret) });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ id: "evt-glofox-1", status: "accepted" });
    const again = await post(integrationId, body, { signature: await signature(body, webhookSecret) });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id: "evt-glofox-1", status: "duplicate" });

    const forged = await post(integrationId, body, { signature: await signature(body, "another-secret") });
    expect(forged.status).toBe(401);
    await forged.body?.cancel();
    const altered = await post(integrationId, body.replace("Hooked", "Forged"), {
      signature: await signature(body, webhookSecret),
    });
    expect(altered.status).toBe(401);
    await altered.body?.cancel();
    const unsigned = await post(integrationId, body, {});
    expect(unsigned.status).toBe(401);
    await unsigned.body?.cancel();

    const row = await eventually(
      async () =>
        (
          await db
            .select({ firstName: accessUser.firstName })
            .from(accessUser)
            .where(and(eq(accessUser.facilityId, tenant.granted.id), eq(accessUser.externalId, "gf_hooked_1")))
        )[0],
      (found) => found !== undefined,
    );
    expect(row).toMatchObject({ firstName: "Hooked" });
  });

  it("MEMBER_UPDATED with active: false is a removal at the source", async () => {
    const body = event("evt-glofox-2", "MEMBER_UPDATED", memberOf("gf_hooked_1", false, 1_764_669_700));
    const res = await post(integrationId, body, { signature: await signature(body, webhookSecret) });
    expect(res.status).toBe(202);
    await res.body?.cancel();
    const [stored] = await db
      .select({ payload: webhookInbox.payload })
      .from(webhookInbox)
      .where(eq(webhookInbox.webhookId, "evt-glofox-2"));
    expect(JSON.parse(stored!.payload)).toMatchObject({ type: "member.removed", data: { external_id: "gf_hooked_1" } });
    const row = await eventually(
      async () =>
        (
          await db
            .select({ removedAt: accessUser.removedAtSourceAt })
            .from(accessUser)
            .where(and(eq(accessUser.facilityId, tenant.granted.id), eq(accessUser.externalId, "gf_hooked_1")))
        )[0],
      (found) => found?.removedAt != null,
    );
    expect(row?.removedAt).toBeGreaterThan(0);
  });
});
