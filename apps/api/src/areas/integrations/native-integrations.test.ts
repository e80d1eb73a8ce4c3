import { describe, it, expect, beforeAll } from "vitest";
import { SELF, env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { accessUser, activityEntry, createSecretBox, integration, updateSyncSettings, webhookInbox } from "@uas/db";
import { eventually } from "../../../test/invitations-support";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";

/**
 * Native member systems wired into the product: Connect with a system's credentials, "Test connection",
 * the system's locations, and the webhook route dispatching by the integration's system. The systems are
 * the simulators over HTTP (vitest.config.ts); signatures come from signers written here from the public
 * formats, not from the connectors' code.
 */

type Issue = { path: string; message: string };
type Check = { ok: boolean; problem?: string; message: string };
const issuesOf = (body: { error?: unknown }): Issue[] =>
  (body.error as { data: { issues?: Issue[] } } | undefined)?.data.issues ?? [];

const mindbodyApi = () => `${env.MINDBODY_URL}/public/v6`;
const mindbodyCredentials = (overrides: Record<string, string> = {}) => ({
  apiKey: env.MINDBODY_KEY,
  siteId: "-99",
  username: "owner",
  password: "owner-password",
  ...overrides,
});

async function hmac(key: string, text: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, new TextEncoder().encode(text)));
}

/** Mindbody's public format: "sha256=" + base64 HMAC-SHA256 of the raw body, keyed with messageSignatureKey. */
async function mindbodySignature(rawBody: string, key: string) {
  return `sha256=${btoa(String.fromCharCode(...(await hmac(key, rawBody))))}`;
}

/** A client added at the simulated site (its control API): the site's UniqueId. */
async function addMindbodyClient(fields: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${env.MINDBODY_URL}/control/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.SIMULATOR_CONTROL_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(fields),
  });
  const entry = (await res.json()) as { client: { UniqueId: number } };
  return entry.client.UniqueId;
}

function postWebhook(integrationId: string, body: string, headers: Record<string, string>) {
  return SELF.fetch(`http://api.test/webhooks/integrations/${integrationId}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

describe("native member systems: connect, test connection, locations", () => {
  let tenant: Tenant;
  let cookie: string;
  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });
  const check = async (credentials: Record<string, string>, baseUrl = mindbodyApi()) => {
    const { status, body } = await trpcMutation(
      "integrations.testConnection",
      { organisationId: tenant.organisation.id, target: { system: "mindbody", baseUrl, credentials } },
      cookie,
    );
    expect(status).toBe(200);
    return body.result?.data as Check;
  };

  it("Test connection says plainly what failed: wrong key, wrong site, no permission, unreachable", async () => {
    expect(await check(mindbodyCredentials())).toEqual({ ok: true, message: "Connected to Mindbody" });
    const wrongKey = await check(mindbodyCredentials({ apiKey: "not-the-key" }));
    expect(wrongKey).toMatchObject({ ok: false, problem: "wrong-credentials" });
    expect(wrongKey.message).toMatch(/^Wrong key: /);
    const wrongSite = await check(mindbodyCredentials({ siteId: "12345" }));
    expect(wrongSite).toMatchObject({ ok: false, problem: "wrong-account" });
    expect(wrongSite.message).toMatch(/^Wrong site: /);
    const notGranted = await check(mindbodyCredentials({ siteId: "77" }));
    expect(notGranted).toMatchObject({ ok: false, problem: "no-permission" });
    expect(notGranted.message).toMatch(/^No permission: /);
    const frontDesk = await check(mindbodyCredentials({ username: "frontdesk", password: "frontdesk-password" }));
    expect(frontDesk).toMatchObject({ ok: false, problem: "no-permission" });
    const unreachable = await check(mindbodyCredentials(), "http://127.0.0.1:9/public/v6");
    expect(unreachable).toMatchObject({ ok: false, problem: "unreachable" });
    expect(unreachable.message).toMatch(/^Unreachable: /);
  });

  it("refuses credentials the connector's schema refuses, naming the field", async () => {
    const { status, body } = await trpcMutation(
      "integrations.connect",
      {
        organisationId: tenant.organisation.id,
        name: "Studio",
        system: "mindbody",
        baseUrl: mindbodyApi(),
        credentials: mindbodyCredentials({ siteId: "north" }),
        locations: [],
      },
      cookie,
    );
    expect(status).toBe(400);
    expect(issuesOf(body)).toContainEqual({ path: "credentials.siteId", message: "The site id is a number" });
  });

  it("lists the site's locations, connects with a location map, and lists the integration with its system", async () => {
    const listed = await trpcMutation(
      "integrations.systemLocations",
      {
        organisationId: tenant.organisation.id,
        target: { system: "mindbody", baseUrl: mindbodyApi(), credentials: mindbodyCredentials() },
      },
      cookie,
    );
    const { locations } = listed.body.result?.data as { locations: Array<{ id: string; name: string }> };
    expect(locations.map((l) => l.id)).toEqual(["1", "2"]);

    const connected = await trpcMutation(
      "integrations.connect",
      {
        organisationId: tenant.organisation.id,
        name: "Studio Mindbody",
        system: "mindbody",
        baseUrl: mindbodyApi(),
        credentials: mindbodyCredentials(),
        locations: [{ locationId: "1", facilityId: tenant.granted.id }],
      },
      cookie,
    );
    expect(connected.status).toBe(200);
    const page = connected.body.result?.data as {
      integrationId: string;
      integrations: Array<Record<string, unknown>>;
    };
    expect(page.integrations.find((i) => i.id === page.integrationId)).toMatchObject({
      system: "mindbody",
      systemLabel: "Mindbody",
      accountId: "-99",
      managesWebhooks: true,
      connected: true,
      locations: [{ locationId: "1", facilityId: tenant.granted.id, facilityName: "Granted" }],
    });
    // The credentials are sealed at rest, like the API key.
    const [row] = await testDb().select().from(integration).where(eq(integration.id, page.integrationId));
    expect(row?.credentials).toMatch(/^sealed:v1:/);
    expect(row?.credentials).not.toContain("owner-password");

    // "Test connection" of the connected integration uses its stored credentials.
    const stored = await trpcMutation(
      "integrations.testConnection",
      { organisationId: tenant.organisation.id, target: { integrationId: page.integrationId } },
      cookie,
    );
    expect(stored.body.result?.data).toEqual({ ok: true, message: "Connected to Mindbody" });
    const list = await trpcQuery("integrations.list", { organisationId: tenant.organisation.id }, cookie);
    expect(list.status).toBe(200);
  });
});

describe("a native integration's pass lists people through its connector", () => {
  it("Sync now of a Mindbody integration lists the site's clients into the facility its location maps to", async () => {
    const tenant = await createTenant();
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const connected = await trpcMutation(
      "integrations.connect",
      {
        organisationId: tenant.organisation.id,
        name: "Listed Mindbody",
        system: "mindbody",
        baseUrl: mindbodyApi(),
        credentials: mindbodyCredentials(),
        locations: [{ locationId: "1", facilityId: tenant.granted.id }],
      },
      cookie,
    );
    expect(connected.status).toBe(200);
    const uniqueId = await addMindbodyClient({
      FirstName: "Listed",
      LastName: "Member",
      Email: "listed.member@example.com",
      Status: "Active",
      HomeLocationId: 1,
    });
    await updateSyncSettings(testDb(), tenant.granted.id, { integrationsEnabled: true }, Date.now());

    const started = await trpcMutation(
      "passes.syncNow",
      { facilityId: tenant.granted.id, source: "integration" },
      cookie,
    );
    expect(started.status).toBe(200);
    const { passId } = (started.body.result?.data as { pass: { passId: string } }).pass;
    const ended = await eventually(
      async () =>
        (await trpcQuery("passes.get", { facilityId: tenant.granted.id, passId }, cookie)).body.result?.data as {
          state: string;
          reason: string | null;
        },
      (view) => view.state !== "running",
    );
    expect(ended).toMatchObject({ state: "complete" });
    const [row] = await testDb()
      .select({ firstName: accessUser.firstName, email: accessUser.email, source: accessUser.source })
      .from(accessUser)
      .where(and(eq(accessUser.facilityId, tenant.granted.id), eq(accessUser.externalId, String(uniqueId))));
    expect(row).toEqual({ firstName: "Listed", email: "listed.member@example.com", source: "integration" });
  });
});

describe("POST /webhooks/integrations/{id}: the integration's system decides verification and parsing", () => {
  const db = testDb();
  let tenant: Tenant;
  let integrationId: string;
  const signingKey = "mb-test-message-signature-key";

  beforeAll(async () => {
    tenant = await createTenant();
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const connected = await trpcMutation(
      "integrations.connect",
      {
        organisationId: tenant.organisation.id,
        name: "Hooked Mindbody",
        system: "mindbody",
        baseUrl: mindbodyApi(),
        credentials: mindbodyCredentials(),
        locations: [
          { locationId: "1", facilityId: tenant.granted.id },
          { locationId: "2", facilityId: tenant.granted.id },
        ],
      },
      cookie,
    );
    integrationId = (connected.body.result?.data as { integrationId: string }).integrationId;
    // The subscription's messageSignatureKey, as "Set up webhooks" stores it (sealed).
    const sealed = await createSecretBox(env.SECRETS_KEY).seal(signingKey);
    await db.update(integration).set({ webhookSecret: sealed }).where(eq(integration.id, integrationId));
  });

  const delivery = (messageId: string, eventId: string, eventData: Record<string, unknown>) =>
    JSON.stringify({
      messageId,
      eventId,
      eventSchemaVersion: 1,
      eventInstanceOriginationDateTime: "2026-12-02T10:00:00Z",
      eventData: { siteId: -99, ...eventData },
    });
  const inboxPayloads = async () =>
    (
      await db
        .select({ webhookId: webhookInbox.webhookId, payload: webhookInbox.payload })
        .from(webhookInbox)
        .where(eq(webhookInbox.sender, `integration:${integrationId}`))
    ).map((row) => ({ webhookId: row.webhookId, event: JSON.parse(row.payload) as Record<string, any> }));

  /** A Mindbody integration of the tenant's own, mapping location 1, whose deliveries are signed with `signingKey`. */
  async function connectOwnMindbody(name: string): Promise<string> {
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const connected = await trpcMutation(
      "integrations.connect",
      {
        organisationId: tenant.organisation.id,
        name,
        system: "mindbody",
        baseUrl: mindbodyApi(),
        credentials: mindbodyCredentials(),
        locations: [{ locationId: "1", facilityId: tenant.granted.id }],
      },
      cookie,
    );
    const id = (connected.body.result?.data as { integrationId: string }).integrationId;
    const sealed = await createSecretBox(env.SECRETS_KEY).seal(signingKey);
    await db.update(integration).set({ webhookSecret: sealed }).where(eq(integration.id, id));
    return id;
  }

  it("health: the last event received, the failed deliveries Mindbody's /metrics reports, the last delta's lag", async () => {
    const integrationId = await connectOwnMindbody("Healthy Mindbody");
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const health = async (id = integrationId) => {
      const { status, body } = await trpcQuery(
        "integrations.health",
        { organisationId: tenant.organisation.id, integrationId: id },
        cookie,
      );
      return { status, data: body.result?.data as Record<string, any> | undefined };
    };
    const before = await health();
    expect(before.data).toEqual({
      lastEventAt: null,
      deliveryFailures: { reported: true, count: 0 },
      lastDelta: null,
    });

    const body = delivery("msg-health-1", "client.updated", {
      clientId: "2001",
      clientUniqueId: 200100200,
      status: "Active",
      firstName: "Hal",
      lastName: "Thy",
      homeLocation: 1,
    });
    const accepted = await postWebhook(integrationId, body, {
      "x-mindbody-signature": await mindbodySignature(body, signingKey),
    });
    expect(accepted.status).toBe(202);
    await accepted.body?.cancel();
    const after = (await health()).data!;
    expect(after.lastEventAt).toEqual(expect.any(Number));
    const changedAt = Date.parse("2026-12-02T10:00:00Z");
    expect(after.lastDelta).toEqual({
      receivedAt: expect.any(Number),
      sourceUpdatedAt: changedAt,
      lagMs: after.lastDelta.receivedAt - changedAt,
    });
    expect(after.deliveryFailures).toEqual({ reported: true, count: 0 });

    // Another organisation's integration is not found.
    const stranger = await createTenant();
    const strangerCookie = await signIn(stranger.admin.email, stranger.admin.password);
    const refused = await trpcQuery(
      "integrations.health",
      { organisationId: stranger.organisation.id, integrationId },
      strangerCookie,
    );
    expect(refused.status).toBe(404);
  });

  it("answers Mindbody's HEAD probe, and 404 for an unknown integration", async () => {
    expect(
      (await SELF.fetch(`http://api.test/webhooks/integrations/${integrationId}`, { method: "HEAD" })).status,
    ).toBe(200);
    const unknown = await postWebhook("int_nobody", "{}", {});
    expect(unknown.status).toBe(404);
    await unknown.body?.cancel();
  });

  it("accepts a signed client.updated into the inbox as the contract's member.upserted; a replayed messageId is a duplicate", async () => {
    const body = delivery("msg-upd-1", "client.updated", {
      clientId: "1001",
      clientUniqueId: 100200300,
      status: "Active",
      firstName: "Nia",
      lastName: "Long",
      email: "nia@example.com",
      mobilePhone: null,
      homeLocation: 2,
    });
    const headers = { "x-mindbody-signature": await mindbodySignature(body, signingKey) };
    const first = await postWebhook(integrationId, body, headers);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ id: "msg-upd-1", status: "accepted" });
    const replay = await postWebhook(integrationId, body, headers);
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ id: "msg-upd-1", status: "duplicate" });
    const stored = (await inboxPayloads()).find((row) => row.webhookId === "msg-upd-1");
    expect(stored?.event).toMatchObject({
      type: "member.upserted",
      data: { external_id: "100200300", first_name: "Nia", location_ids: ["2"], membership_status: "Active" },
    });
  });

  it("refuses a wrong key and an altered body (401), and names the field of a malformed event (400)", async () => {
    const body = delivery("msg-bad-1", "client.updated", { clientId: "1", clientUniqueId: 1, homeLocation: 1 });
    const wrongKey = await postWebhook(integrationId, body, {
      "x-mindbody-signature": await mindbodySignature(body, "another-key"),
    });
    expect(wrongKey.status).toBe(401);
    await wrongKey.body?.cancel();
    const altered = await postWebhook(integrationId, body.replace('"clientId":"1"', '"clientId":"2"'), {
      "x-mindbody-signature": await mindbodySignature(body, signingKey),
    });
    expect(altered.status).toBe(401);
    await altered.body?.cancel();
    const partnerStyle = await postWebhook(integrationId, body, { "webhook-id": "x", "webhook-signature": "v1,xx" });
    expect(partnerStyle.status).toBe(401);
    await partnerStyle.body?.cancel();

    const malformed = delivery("msg-bad-2", "client.updated", { clientId: "1", clientUniqueId: "one" });
    const refused = await postWebhook(integrationId, malformed, {
      "x-mindbody-signature": await mindbodySignature(malformed, signingKey),
    });
    expect(refused.status).toBe(400);
    const answer = (await refused.json()) as { error: { code: string; issues: Issue[] } };
    expect(answer.error.code).toBe("invalid_payload");
    expect(answer.error.issues.map((issue) => issue.path)).toContain("eventData.clientUniqueId");
  });

  it("resolves a membership event by fetching the person from the site, and a merge as the kept person's record naming the removed one", async () => {
    const kept = await addMindbodyClient({
      FirstName: "Kept",
      LastName: "Client",
      Email: "kept@example.com",
      Status: "Active",
      HomeLocationId: 1,
    });
    const membership = delivery("msg-mem-1", "clientMembershipAssignment.created", { clientUniqueId: kept });
    const fetched = await postWebhook(integrationId, membership, {
      "x-mindbody-signature": await mindbodySignature(membership, signingKey),
    });
    expect(fetched.status).toBe(202);
    await fetched.body?.cancel();

    const merge = delivery("msg-merge-1", "clientProfileMerger.created", {
      mergeDateTime: "2026-12-02T10:00:00Z",
      keptClientId: "k",
      keptClientUniqueId: kept,
      removedClientUniqueId: 999000111,
    });
    const merged = await postWebhook(integrationId, merge, {
      "x-mindbody-signature": await mindbodySignature(merge, signingKey),
    });
    expect(merged.status).toBe(202);
    await merged.body?.cancel();

    const rows = await inboxPayloads();
    expect(rows.find((row) => row.webhookId === "msg-mem-1")?.event).toMatchObject({
      type: "member.upserted",
      data: { external_id: String(kept), first_name: "Kept", email: "kept@example.com", location_ids: ["1"] },
    });
    expect(rows.find((row) => row.webhookId === "msg-merge-1:merged")?.event).toMatchObject({
      type: "member.merged",
      data: { external_id: String(kept), merged_external_id: "999000111" },
    });
  });

  it("a merge at the site (the simulator's control endpoint, its signed delivery): the kept client takes over the removed client's row", async () => {
    const control = (path: string, init: RequestInit = {}) =>
      fetch(`${env.MINDBODY_URL}/control/${path}`, {
        ...init,
        headers: { authorization: `Bearer ${env.SIMULATOR_CONTROL_KEY}`, "content-type": "application/json" },
      });
    // The simulator signs with this subscription's key; it delivers to its own health URL (it cannot reach
    // the Worker under test), and the test hands the exact signed delivery to the route.
    // An integration of its own: the route's rate limit is per integration.
    const integrationId = await connectOwnMindbody("Merging Mindbody");
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
    const subscribed = await control("subscriptions", {
      method: "POST",
      body: JSON.stringify({
        webhookUrl: `${env.MINDBODY_URL}/health`,
        messageSignatureKey: signingKey,
        eventIds: ["clientProfileMerger.created"],
      }),
    });
    expect(subscribed.status).toBe(201);
    await subscribed.body?.cancel();
    const add = async (fields: Record<string, unknown>) => {
      const res = await control("clients", { method: "POST", body: JSON.stringify(fields) });
      return ((await res.json()) as { client: { Id: string; UniqueId: number } }).client;
    };
    const removedClient = await add({
      FirstName: "Rosa",
      LastName: "Twice",
      Email: "rosa.old@example.com",
      Status: "Active",
      HomeLocationId: 1,
    });
    const keptClient = await add({
      FirstName: "Rosa",
      LastName: "Once",
      Email: "rosa@example.com",
      Status: "Active",
      HomeLocationId: 1,
    });

    // The removed client was synced, and the admin wrote a note and turned on a custom tag.
    const synced = delivery("msg-rosa-1", "client.updated", {
      clientId: removedClient.Id,
      clientUniqueId: removedClient.UniqueId,
      status: "Active",
      firstName: "Rosa",
      lastName: "Twice",
      email: "rosa.old@example.com",
      homeLocation: 1,
    });
    const accepted = await postWebhook(integrationId, synced, {
      "x-mindbody-signature": await mindbodySignature(synced, signingKey),
    });
    expect(accepted.status).toBe(202);
    await accepted.body?.cancel();
    const rowOf = (externalId: string) =>
      db
        .select()
        .from(accessUser)
        .where(and(eq(accessUser.integrationId, integrationId), eq(accessUser.externalId, externalId)))
        .then((rows) => rows[0]);
    const before = await eventually(
      () => rowOf(String(removedClient.UniqueId)),
      (row) => row !== undefined,
    );
    await db
      .update(accessUser)
      .set({ notes: "Locker 12", customTags: ["founding"] })
      .where(eq(accessUser.id, before!.id));

    const merged = await control("merge", {
      method: "POST",
      body: JSON.stringify({ keptClientId: keptClient.Id, removedClientId: removedClient.Id }),
    });
    expect(merged.status).toBe(200);
    await merged.body?.cancel();
    const { messages } = (await (await control("messages?eventId=clientProfileMerger.created")).json()) as {
      messages: Array<{ messageId: string; body: string; signature: string }>;
    };
    const message = messages.at(-1)!;
    expect(JSON.parse(message.body).eventData).toMatchObject({
      keptClientUniqueId: keptClient.UniqueId,
      removedClientUniqueId: removedClient.UniqueId,
    });
    const delivered = await postWebhook(integrationId, message.body, { "x-mindbody-signature": message.signature });
    expect(delivered.status).toBe(202);
    expect(await delivered.json()).toEqual({ id: message.messageId, status: "accepted" });

    const after = await eventually(
      () => rowOf(String(keptClient.UniqueId)),
      (row) => row !== undefined,
    );
    expect(after).toMatchObject({
      id: before!.id,
      lastName: "Once",
      email: "rosa@example.com",
      notes: "Locker 12",
      customTags: ["founding"],
      removedAtSourceAt: null,
    });
    expect(await rowOf(String(removedClient.UniqueId))).toBeUndefined();
    const [entry] = await db
      .select()
      .from(activityEntry)
      .where(
        and(eq(activityEntry.integrationId, integrationId), eq(activityEntry.webhookId, `${message.messageId}:merged`)),
      );
    expect(entry).toMatchObject({ outcome: "updated", userId: before!.id });
    expect(entry?.reason).toContain(`Merged at the source with Rosa Twice (${removedClient.UniqueId})`);

    // Mindbody's retry of the same message is a duplicate; nothing changes.
    const replay = await postWebhook(integrationId, message.body, { "x-mindbody-signature": message.signature });
    expect(await replay.json()).toEqual({ id: message.messageId, status: "duplicate" });
  });

  it("keeps a partner integration on Standard Webhooks: a Mindbody signature is refused there", async () => {
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const connected = await trpcMutation(
      "integrations.connect",
      {
        organisationId: tenant.organisation.id,
        name: "Partner",
        baseUrl: "https://partner.example/api",
        apiKey: "sk_live_1234567890",
        locations: [],
      },
      cookie,
    );
    const partnerId = (connected.body.result?.data as { integrationId: string }).integrationId;
    const [row] = await db
      .select({ system: integration.system })
      .from(integration)
      .where(eq(integration.id, partnerId));
    expect(row?.system).toBe("partner-api");
    const body = delivery("msg-p-1", "client.updated", { clientId: "1", clientUniqueId: 1, homeLocation: 1 });
    const res = await postWebhook(partnerId, body, {
      "x-mindbody-signature": await mindbodySignature(body, signingKey),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/webhook-id/);
  });
});

/** PushPress's format (as its official SDK signs): hex HMAC-SHA256 of JSON.stringify(body.data). */
async function pushpressSignature(data: unknown, secret: string) {
  return [...(await hmac(secret, JSON.stringify(data)))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

describe("PushPress: connect, test connection, and its webhooks on the same route", () => {
  const db = testDb();
  let tenant: Tenant;
  let cookie: string;
  let integrationId: string;
  const signingSecret = "pp-test-signing-secret";
  const credentials = (overrides: Record<string, string> = {}) => ({
    apiKey: env.PUSHPRESS_KEY,
    companyId: env.PUSHPRESS_COMPANY_ID,
    ...overrides,
  });

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });

  it("tests the connection (a wrong company in plain words), lists the company as its location, and connects", async () => {
    const target = (creds: Record<string, string>) => ({
      organisationId: tenant.organisation.id,
      target: { system: "pushpress", baseUrl: `${env.PUSHPRESS_URL}/v3`, credentials: creds },
    });
    const good = await trpcMutation("integrations.testConnection", target(credentials()), cookie);
    expect(good.body.result?.data).toEqual({ ok: true, message: "Connected to PushPress" });
    const wrongKey = await trpcMutation("integrations.testConnection", target(credentials({ apiKey: "nope" })), cookie);
    expect((wrongKey.body.result?.data as Check).message).toMatch(/^Wrong key: /);
    const locations = await trpcMutation("integrations.systemLocations", target(credentials()), cookie);
    expect((locations.body.result?.data as { locations: Array<{ id: string }> }).locations.map((l) => l.id)).toEqual([
      env.PUSHPRESS_COMPANY_ID,
    ]);

    const connected = await trpcMutation(
      "integrations.connect",
      {
        organisationId: tenant.organisation.id,
        name: "Box PushPress",
        system: "pushpress",
        baseUrl: `${env.PUSHPRESS_URL}/v3`,
        credentials: credentials(),
        locations: [{ locationId: env.PUSHPRESS_COMPANY_ID, facilityId: tenant.granted.id }],
      },
      cookie,
    );
    expect(connected.status).toBe(200);
    const page = connected.body.result?.data as { integrationId: string; integrations: Array<Record<string, unknown>> };
    integrationId = page.integrationId;
    expect(page.integrations.find((i) => i.id === integrationId)).toMatchObject({
      system: "pushpress",
      accountId: env.PUSHPRESS_COMPANY_ID,
    });
    const sealed = await createSecretBox(env.SECRETS_KEY).seal(signingSecret);
    await db.update(integration).set({ webhookSecret: sealed }).where(eq(integration.id, integrationId));
  });

  it("verifies webhook-signature over the data and stores customer.deleted as a removal; a redelivery is a duplicate", async () => {
    const data = { id: "cus_gone_1", companyId: env.PUSHPRESS_COMPANY_ID };
    // Spacing of the raw body does not matter: PushPress signs the re-serialised data.
    const body = `{ "event": "customer.deleted", "created": 1764669600, "data": ${JSON.stringify(data, null, 2)} }`;
    const headers = { "webhook-signature": await pushpressSignature(data, signingSecret) };
    const first = await postWebhook(integrationId, body, headers);
    expect(first.status).toBe(202);
    const answer = (await first.json()) as { id: string; status: string };
    expect(answer.status).toBe("accepted");
    const again = await postWebhook(integrationId, body, headers);
    expect(((await again.json()) as { status: string }).status).toBe("duplicate");
    const [row] = await db
      .select({ payload: webhookInbox.payload })
      .from(webhookInbox)
      .where(eq(webhookInbox.webhookId, answer.id));
    expect(JSON.parse(row!.payload)).toMatchObject({ type: "member.removed", data: { external_id: "cus_gone_1" } });

    const forged = await postWebhook(integrationId, body, {
      "webhook-signature": await pushpressSignature(data, "another-secret"),
    });
    expect(forged.status).toBe(401);
    await forged.body?.cancel();
  });
});
