import { describe, it, expect, beforeAll } from "vitest";
import { SELF, env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { and, eq } from "drizzle-orm";
import {
  accessUser,
  auditEntry,
  createSecretBox,
  facilityIntegration,
  integration,
  integrationLocation,
  newId,
  organisationMember,
} from "@uas/db";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";

type Issue = { path: string; message: string };
type Integration = {
  id: string;
  name: string;
  connected: boolean;
  webhookSecretHint: string | null;
  previousSecretValidUntil: number | null;
  health: string;
  syncedMembers: number;
  apiKeyHint: string | null;
  locations: Array<{ locationId: string; facilityId: string; facilityName: string }>;
};
type Page = { integrations: Integration[]; facilities: Array<{ id: string; name: string }>; integrationId?: string };

const issuesOf = (body: { error?: unknown }): Issue[] =>
  (body.error as { data: { issues?: Issue[] } } | undefined)?.data.issues ?? [];

/** "Show secret": the current webhook secret, as the owner's button fetches it. */
async function revealSecret(organisationId: string, integrationId: string, cookie: string): Promise<string> {
  const { status, body } = await trpcMutation("integrations.revealSecret", { organisationId, integrationId }, cookie);
  if (status !== 200) throw new Error(`revealSecret answered ${status}`);
  return (body.result?.data as { webhookSecret: string }).webhookSecret;
}

/** Posts a signed (schema-free) webhook: 401 means the signature was refused, anything else that it passed. */
async function webhookStatus(integrationId: string, secret: string) {
  const body = JSON.stringify({ type: "probe" });
  const id = newId("msg");
  const signature = new Webhook(secret).sign(id, new Date(), body);
  const res = await SELF.fetch(`http://api.test/webhooks/integrations/${integrationId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": signature,
    },
    body,
  });
  await res.body?.cancel();
  return res.status;
}

describe("integrations over tRPC", () => {
  const db = testDb();
  let tenant: Tenant;
  let cookie: string;
  const connectInput = () => ({
    organisationId: tenant.organisation.id,
    name: "Acme Members",
    baseUrl: "https://partner.example/api",
    apiKey: "sk_live_1234567890",
    locations: [
      { locationId: "loc-1", facilityId: tenant.granted.id },
      { locationId: "loc-2", facilityId: tenant.ungranted.id },
    ],
  });

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });

  it("connects an integration with its location map; the list masks the webhook secret, and Show secret reveals it (audited)", async () => {
    const { status, body } = await trpcMutation("integrations.connect", connectInput(), cookie);
    expect(status).toBe(200);
    const page = body.result?.data as Page;
    const connected = page.integrations.find((i) => i.id === page.integrationId)!;
    expect(connected).toMatchObject({
      name: "Acme Members",
      connected: true,
      health: "waiting",
      apiKeyHint: "…7890",
      previousSecretValidUntil: null,
      syncedMembers: 0,
    });
    expect(connected.webhookSecretHint).toMatch(/^whsec_….{4}$/);
    expect(connected.locations.map((l) => [l.locationId, l.facilityName])).toEqual([
      ["loc-1", "Granted"],
      ["loc-2", "Not granted"],
    ]);
    expect(page.facilities.map((f) => f.name)).toEqual(["Granted", "Not granted"]);
    expect(JSON.stringify(body)).not.toContain("sk_live_1234567890");

    // The secrets are sealed at rest: neither the API key nor the webhook secret is in the row.
    const [stored] = await db.select().from(integration).where(eq(integration.id, page.integrationId!));
    expect(stored!.apiKey).toMatch(/^sealed:v1:test2:/);
    expect(stored!.webhookSecret).toMatch(/^sealed:v1:test2:/);
    expect(stored!.apiKey).not.toContain("1234567890");

    const secret = await revealSecret(tenant.organisation.id, page.integrationId!, cookie);
    expect(secret).toMatch(/^whsec_/);
    expect(secret.endsWith(connected.webhookSecretHint!.slice(-4))).toBe(true);
    expect(JSON.stringify(page)).not.toContain(secret);
    expect(await webhookStatus(page.integrationId!, secret)).not.toBe(401);
    const audits = await db.select().from(auditEntry).where(eq(auditEntry.organisationId, tenant.organisation.id));
    expect(audits.filter((a) => a.action === "integration.webhook_secret_revealed")).toEqual([
      expect.objectContaining({
        actorUserId: tenant.admin.id,
        detail: expect.objectContaining({ integrationId: page.integrationId }),
      }),
    ]);
  });

  it("names invalid fields, refuses another organisation's facility, and connects nothing", async () => {
    const other = await createTenant();
    const count = async () =>
      (await db.select().from(integration).where(eq(integration.organisationId, tenant.organisation.id))).length;
    const before = await count();

    const invalid = await trpcMutation(
      "integrations.connect",
      {
        ...connectInput(),
        name: "",
        baseUrl: "ftp://nope",
        locations: [
          { locationId: "a", facilityId: tenant.granted.id },
          { locationId: "a", facilityId: tenant.granted.id },
        ],
      },
      cookie,
    );
    expect(invalid.status).toBe(400);
    expect(
      issuesOf(invalid.body)
        .map((i) => i.path)
        .sort(),
    ).toEqual(["baseUrl", "locations.1.locationId", "name"]);

    const foreign = await trpcMutation(
      "integrations.connect",
      {
        ...connectInput(),
        locations: [
          { locationId: "a", facilityId: tenant.granted.id },
          { locationId: "b", facilityId: other.granted.id },
        ],
      },
      cookie,
    );
    expect(foreign.status).toBe(400);
    expect(issuesOf(foreign.body)).toEqual([
      { path: "locations.1.facilityId", message: "Choose a facility of this organisation" },
    ]);
    expect(await count()).toBe(before);
  });

  it("edits the location map, refusing foreign facilities with no change", async () => {
    const created = (await trpcMutation("integrations.connect", { ...connectInput(), name: "Map edit" }, cookie)).body
      .result?.data as Page;
    const integrationId = created.integrationId!;
    const other = await createTenant();
    const refused = await trpcMutation(
      "integrations.update",
      {
        organisationId: tenant.organisation.id,
        integrationId,
        patch: {},
        locations: [{ locationId: "x", facilityId: other.granted.id }],
      },
      cookie,
    );
    expect(refused.status).toBe(400);
    expect(issuesOf(refused.body).map((i) => i.path)).toEqual(["locations.0.facilityId"]);
    expect(
      await db.select().from(integrationLocation).where(eq(integrationLocation.integrationId, integrationId)),
    ).toHaveLength(2);

    const edited = await trpcMutation(
      "integrations.update",
      {
        organisationId: tenant.organisation.id,
        integrationId,
        patch: { name: "Map edited" },
        locations: [{ locationId: "north-club", facilityId: tenant.granted.id }],
      },
      cookie,
    );
    expect(edited.status).toBe(200);
    const view = (edited.body.result?.data as Page).integrations.find((i) => i.id === integrationId)!;
    expect(view.name).toBe("Map edited");
    expect(view.locations.map((l) => l.locationId)).toEqual(["north-club"]);
  });

  it("asks for the API key again when the base URL changes, so the stored key never follows a new URL", async () => {
    const created = (await trpcMutation("integrations.connect", { ...connectInput(), name: "Moving partner" }, cookie))
      .body.result?.data as Page;
    const integrationId = created.integrationId!;
    const stored = async () => (await db.select().from(integration).where(eq(integration.id, integrationId)))[0]!;
    const update = (patch: Record<string, unknown>) =>
      trpcMutation("integrations.update", { organisationId: tenant.organisation.id, integrationId, patch }, cookie);
    const before = await stored();

    const alone = await update({ baseUrl: "https://elsewhere.example.net/api" });
    expect(alone.status).toBe(400);
    expect(issuesOf(alone.body)).toEqual([
      { path: "patch.apiKey", message: "The base URL changed: enter the API key again" },
    ]);
    // As the edit dialog sends it: every field, the key left empty (so not sent).
    const withName = await update({ name: "Moving partner", baseUrl: "https://elsewhere.example.net/api" });
    expect(issuesOf(withName.body).map((i) => i.path)).toEqual(["patch.apiKey"]);
    expect(await stored()).toEqual(before);

    // The same address spelt differently is not a change; other fields save without the key.
    expect((await update({ name: "Moved partner", baseUrl: "https://PARTNER.example/api/" })).status).toBe(200);
    expect(await stored()).toMatchObject({ name: "Moved partner", apiKey: before.apiKey });

    const moved = await update({ baseUrl: "https://elsewhere.example.net/api", apiKey: "sk_live_newkey_0987" });
    expect(moved.status).toBe(200);
    const movedRow = await stored();
    expect(movedRow.baseUrl).toBe("https://elsewhere.example.net/api");
    // Stored sealed; it opens to the key entered.
    expect(await createSecretBox(env.SECRETS_KEY).open(movedRow.apiKey)).toBe("sk_live_newkey_0987");
  });

  it("rotates the webhook secret; the previous one keeps working until the grace period ends", async () => {
    const created = (await trpcMutation("integrations.connect", { ...connectInput(), name: "Rotating" }, cookie)).body
      .result?.data as Page;
    const integrationId = created.integrationId!;
    const oldSecret = await revealSecret(tenant.organisation.id, integrationId, cookie);
    const [sealedBefore] = await db.select().from(integration).where(eq(integration.id, integrationId));

    const before = Date.now();
    const rotated = await trpcMutation(
      "integrations.rotateSecret",
      { organisationId: tenant.organisation.id, integrationId },
      cookie,
    );
    expect(rotated.status).toBe(200);
    const view = {
      ...(rotated.body.result?.data as Page).integrations.find((i) => i.id === integrationId)!,
      webhookSecret: await revealSecret(tenant.organisation.id, integrationId, cookie),
    };
    expect(view.webhookSecret).toMatch(/^whsec_/);
    expect(view.webhookSecret).not.toBe(oldSecret);
    const day = 24 * 3_600_000;
    expect(view.previousSecretValidUntil).toBeGreaterThanOrEqual(before + day);
    expect(view.previousSecretValidUntil).toBeLessThanOrEqual(Date.now() + day);
    const [stored] = await db.select().from(integration).where(eq(integration.id, integrationId));
    // The previous secret is the sealed value it was; the new one is sealed too.
    expect(stored).toMatchObject({ previousWebhookSecret: sealedBefore!.webhookSecret });
    expect(stored!.webhookSecret).toMatch(/^sealed:v1:test2:/);

    // Both secrets verify during the grace period…
    expect(await webhookStatus(integrationId, view.webhookSecret!)).not.toBe(401);
    expect(await webhookStatus(integrationId, oldSecret)).not.toBe(401);
    // …and once it has ended, only the new one does.
    await db
      .update(integration)
      .set({ previousSecretValidUntil: Date.now() - 1 })
      .where(eq(integration.id, integrationId));
    expect(await webhookStatus(integrationId, oldSecret)).toBe(401);
    expect(await webhookStatus(integrationId, view.webhookSecret!)).not.toBe(401);
    const listed = (await trpcQuery("integrations.list", { organisationId: tenant.organisation.id }, cookie)).body
      .result?.data as Page;
    expect(listed.integrations.find((i) => i.id === integrationId)!.previousSecretValidUntil).toBeNull();

    const invalid = await trpcMutation(
      "integrations.rotateSecret",
      { organisationId: tenant.organisation.id, integrationId, graceHours: 500 },
      cookie,
    );
    expect(issuesOf(invalid.body).map((i) => i.path)).toEqual(["graceHours"]);
  });

  it("disconnects: synced members stay with their badge, the integration stops mirroring; one that synced nobody is removed", async () => {
    const created = (await trpcMutation("integrations.connect", { ...connectInput(), name: "Leaving" }, cookie)).body
      .result?.data as Page;
    const integrationId = created.integrationId!;
    const now = Date.now();
    await db.insert(accessUser).values({
      id: newId("usr"),
      facilityId: tenant.granted.id,
      source: "integration",
      integrationId,
      externalId: "m-1",
      firstName: "Kept",
      lastName: "Member",
      email: "kept@example.com",
      createdAt: now,
      updatedAt: now,
    });
    const { status, body } = await trpcMutation(
      "integrations.disconnect",
      { organisationId: tenant.organisation.id, integrationId },
      cookie,
    );
    expect(status).toBe(200);
    const page = body.result?.data as Page & { removed: boolean };
    expect(page.removed).toBe(false);
    expect(page.integrations.find((i) => i.id === integrationId)).toMatchObject({
      connected: false,
      health: "disconnected",
      webhookSecretHint: null,
      syncedMembers: 1,
      locations: [],
    });
    const optIns = await db
      .select()
      .from(facilityIntegration)
      .where(eq(facilityIntegration.integrationId, integrationId));
    expect(optIns.map((o) => o.enabled)).toEqual([false, false]);
    expect(await db.select().from(accessUser).where(eq(accessUser.integrationId, integrationId))).toHaveLength(1);

    const unused = (await trpcMutation("integrations.connect", { ...connectInput(), name: "Unused" }, cookie)).body
      .result?.data as Page;
    const gone = await trpcMutation(
      "integrations.disconnect",
      { organisationId: tenant.organisation.id, integrationId: unused.integrationId },
      cookie,
    );
    expect((gone.body.result?.data as { removed: boolean }).removed).toBe(true);
    expect(await db.select().from(integration).where(eq(integration.id, unused.integrationId!))).toHaveLength(0);
  });

  it("answers NOT_FOUND to non-owners and to another organisation's ids, changing nothing", async () => {
    const other = await createTenant();
    const otherCookie = await signIn(other.admin.email, other.admin.password);
    const theirs = (
      await trpcMutation(
        "integrations.connect",
        {
          organisationId: other.organisation.id,
          name: "Theirs",
          baseUrl: "https://p.example",
          apiKey: "their-key-123",
          locations: [],
        },
        otherCookie,
      )
    ).body.result?.data as Page;
    const [before] = await db.select().from(integration).where(eq(integration.id, theirs.integrationId!));

    // Another organisation, by its own id or through ours.
    expect((await trpcQuery("integrations.list", { organisationId: other.organisation.id }, cookie)).status).toBe(404);
    const viaOurs = await trpcMutation(
      "integrations.rotateSecret",
      { organisationId: tenant.organisation.id, integrationId: theirs.integrationId },
      cookie,
    );
    expect(viaOurs.status).toBe(404);
    const disconnectTheirs = await trpcMutation(
      "integrations.disconnect",
      { organisationId: tenant.organisation.id, integrationId: theirs.integrationId },
      cookie,
    );
    expect(disconnectTheirs.status).toBe(404);
    const [after] = await db.select().from(integration).where(eq(integration.id, theirs.integrationId!));
    expect(after).toEqual(before);

    // An admin who is not an owner of the organisation.
    await db
      .update(organisationMember)
      .set({ role: "admin" })
      .where(
        and(
          eq(organisationMember.userId, other.admin.id),
          eq(organisationMember.organisationId, other.organisation.id),
        ),
      );
    expect((await trpcQuery("integrations.list", { organisationId: other.organisation.id }, otherCookie)).status).toBe(
      404,
    );
    expect((await trpcQuery("integrations.organisations", undefined, otherCookie)).body.result?.data).toEqual([]);
    expect((await trpcQuery("integrations.organisations", undefined, cookie)).body.result?.data).toEqual([
      { id: tenant.organisation.id, name: tenant.organisation.name },
    ]);
  });
});
