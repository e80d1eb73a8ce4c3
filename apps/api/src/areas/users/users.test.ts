import { env } from "cloudflare:test";
import { describe, it, expect, beforeAll } from "vitest";
import { eq } from "drizzle-orm";
import { accessGrant, accessLogEntry, accessUser, insertIntegration, invitation, newId, type Db } from "@uas/db";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";

type Issue = { path: string; message: string };
type ErrorBody = { message: string; data: { code: string; issues?: Issue[] } };

function issuesOf(body: { error?: unknown }): Issue[] {
  return (body.error as ErrorBody | undefined)?.data.issues ?? [];
}

async function insertSynced(
  db: Db,
  facilityId: string,
  integrationId: string,
  overrides: Partial<typeof accessUser.$inferInsert> = {},
) {
  const now = Date.now();
  const [row] = await db
    .insert(accessUser)
    .values({
      id: newId("usr"),
      facilityId,
      source: "integration",
      integrationId,
      externalId: newId("ext"),
      firstName: "Sam",
      lastName: "Synced",
      email: "sam@example.com",
      mobilePhone: "+447700900123",
      lastSyncedAt: now,
      createdAt: now,
      updatedAt: now,
      ...overrides,
    })
    .returning({ id: accessUser.id });
  // As stored: the database's triggers fill the stored access answer (access_until) after the insert.
  return (await rowOf(db, row!.id))!;
}

async function rowOf(db: Db, id: string) {
  const [row] = await db.select().from(accessUser).where(eq(accessUser.id, id));
  return row;
}

describe("users over tRPC", () => {
  let tenant: Tenant;
  let cookie: string;
  let integrationId: string;
  const db = testDb();

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const integration = await insertIntegration(
      db,
      {
        organisationId: tenant.organisation.id,
        name: "Acme Members",
        baseUrl: env.DEMO_PARTNER_URL,
        apiKey: "key",
        locations: { north: tenant.granted.id },
      },
      Date.now(),
    );
    integrationId = integration.id;
  });

  const facilityId = () => tenant.granted.id;

  it("creates a manual user, storing the phone in E.164 for the facility's country", async () => {
    const { status, body } = await trpcMutation(
      "users.create",
      {
        facilityId: facilityId(),
        firstName: " Maya ",
        lastName: "Manual",
        email: "Maya@Example.com",
        mobilePhone: "07911 123456",
      },
      cookie,
    );
    expect(status).toBe(200);
    expect(body.result?.data).toMatchObject({
      firstName: "Maya",
      lastName: "Manual",
      email: "maya@example.com",
      mobilePhone: "+447911123456",
      source: "manual",
      sourceLabel: "Manual",
      detailsEditable: true,
      access: { effective: true, disabledReasons: [] },
      invitation: { state: "not_invited" },
    });
  });

  it("names each invalid field and creates nothing", async () => {
    const before = await db.select().from(accessUser).where(eq(accessUser.facilityId, facilityId()));
    const blank = await trpcMutation(
      "users.create",
      { facilityId: facilityId(), firstName: " ", lastName: "X", email: "not-an-email", mobilePhone: null },
      cookie,
    );
    expect(blank.status).toBe(400);
    const paths = issuesOf(blank.body).map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(["firstName", "email"]));

    const noIdentifier = await trpcMutation(
      "users.create",
      { facilityId: facilityId(), firstName: "No", lastName: "Contact", email: null, mobilePhone: "" },
      cookie,
    );
    expect(noIdentifier.status).toBe(400);
    expect(issuesOf(noIdentifier.body)).toEqual([
      expect.objectContaining({ path: "email", message: expect.stringContaining("email or a mobile phone") }),
    ]);

    const badPhone = await trpcMutation(
      "users.create",
      { facilityId: facilityId(), firstName: "Bad", lastName: "Phone", email: null, mobilePhone: "12" },
      cookie,
    );
    expect(badPhone.status).toBe(400);
    expect(issuesOf(badPhone.body)).toEqual([{ path: "mobilePhone", message: "Enter a valid mobile phone number" }]);

    const after = await db.select().from(accessUser).where(eq(accessUser.facilityId, facilityId()));
    expect(after.length).toBe(before.length);
  });

  it("lists with search, source and state filters in the database, with the total and invitation state", async () => {
    const tenantB = await createTenant();
    const cookieB = await signIn(tenantB.admin.email, tenantB.admin.password);
    const fid = tenantB.granted.id;
    const integration = await insertIntegration(
      db,
      {
        organisationId: tenantB.organisation.id,
        name: "Acme Members",
        baseUrl: "http://p.test",
        apiKey: "k",
        locations: {},
      },
      Date.now(),
    );
    const ada = await insertSynced(db, fid, integration.id, {
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      externalId: "M-100",
    });
    const removed = await insertSynced(db, fid, integration.id, {
      firstName: "Bob",
      lastName: "Gone",
      email: "bob@example.com",
      mobilePhone: "+447700900999",
      removedAtSourceAt: Date.now(),
    });
    const off = await insertSynced(db, fid, integration.id, {
      firstName: "Cy",
      lastName: "Off",
      email: "cy@example.com",
      accessEnabled: false,
    });
    await insertSynced(db, fid, integration.id, {
      source: "cctv",
      integrationId: null,
      firstName: "Dee",
      lastName: "Camera",
      email: null,
    });
    await insertSynced(db, tenantB.ungranted.id, integration.id, { firstName: "Ada", lastName: "Elsewhere" });
    await db.insert(invitation).values({
      userId: ada.id,
      facilityId: fid,
      email: "ada@example.com",
      state: "sent",
      trigger: "bulk",
      queuedAt: Date.now(),
    });

    const list = async (input: Record<string, unknown>) => {
      const { status, body } = await trpcQuery("users.list", { facilityId: fid, ...input }, cookieB);
      expect(status).toBe(200);
      return body.result?.data as { total: number; rows: Array<Record<string, unknown>> };
    };

    const all = await list({});
    expect(all.total).toBe(4);
    expect(all.rows.map((r) => r.lastName)).toEqual(["Camera", "Gone", "Lovelace", "Off"]);
    expect(all.rows.find((r) => r.id === ada.id)).toMatchObject({
      sourceLabel: "Acme Members",
      invitation: "sent",
      disabledReasons: [],
    });
    expect(all.rows.find((r) => r.lastName === "Camera")).toMatchObject({
      sourceLabel: "CCTV/Computer Vision",
      invitation: "not_invited",
    });
    expect(all.rows.find((r) => r.id === removed.id)).toMatchObject({ disabledReasons: ["removed_at_source"] });
    expect(all.rows.find((r) => r.id === off.id)).toMatchObject({ disabledReasons: ["switched_off_by_admin"] });

    expect((await list({ search: "lovelace ada" })).rows.map((r) => r.id)).toEqual([ada.id]);
    expect((await list({ search: "ADA@example" })).rows.map((r) => r.id)).toEqual([ada.id]);
    expect((await list({ search: "M-100" })).rows.map((r) => r.id)).toEqual([ada.id]);
    expect((await list({ search: "07700 900999" })).rows.map((r) => r.id)).toEqual([removed.id]);
    expect((await list({ search: "100%" })).total).toBe(0);
    expect((await list({ source: "cctv" })).rows.map((r) => r.lastName)).toEqual(["Camera"]);
    expect((await list({ source: "integration", integrationId: integration.id })).total).toBe(3);
    expect((await list({ access: "has_access" })).rows.map((r) => r.lastName)).toEqual(["Camera", "Lovelace"]);
    expect((await list({ access: "no_access" })).rows.map((r) => r.lastName)).toEqual(["Gone", "Off"]);
    expect((await list({ access: "disabled" })).rows.map((r) => r.id)).toEqual([removed.id, off.id]);
    expect((await list({ invitation: "invited" })).rows.map((r) => r.id)).toEqual([ada.id]);
    // Searches and sparse filters count their total too, also past the last page.
    expect((await list({ search: "lovelace ada" })).total).toBe(1);
    expect(await list({ access: "no_access", offset: 2, limit: 2 })).toMatchObject({ total: 2, rows: [] });

    const page2 = await list({ offset: 2, limit: 2 });
    expect(page2.total).toBe(4);
    expect(page2.rows.map((r) => r.lastName)).toEqual(["Lovelace", "Off"]);

    const bad = await trpcQuery("users.list", { facilityId: fid, limit: 1000 }, cookieB);
    expect(bad.status).toBe(400);
    expect(issuesOf(bad.body).map((i) => i.path)).toEqual(["limit"]);
  });

  it("refuses synced fields while the row tracks the source, and allows them once decoupled", async () => {
    const synced = await insertSynced(db, facilityId(), integrationId);
    const refused = await trpcMutation(
      "users.update",
      { facilityId: facilityId(), userId: synced.id, patch: { firstName: "Changed", notes: "x" } },
      cookie,
    );
    expect(refused.status).toBe(409);
    expect((refused.body.error as ErrorBody).message).toContain("First name");
    expect(await rowOf(db, synced.id)).toEqual(synced);

    // Admin-owned fields are always editable and never touch the synced details.
    const admin = await trpcMutation(
      "users.update",
      {
        facilityId: facilityId(),
        userId: synced.id,
        patch: {
          accessEnabled: false,
          notes: "Front desk knows",
          customTags: ["vip", "vip", "pool"],
          appMessage: "See reception",
        },
      },
      cookie,
    );
    expect(admin.status).toBe(200);
    expect(admin.body.result?.data).toMatchObject({
      accessEnabled: false,
      customTags: ["vip", "pool"],
      detailsEditable: false,
      access: { effective: false, disabledReasons: ["switched_off_by_admin"] },
    });

    const decoupled = await trpcMutation(
      "users.update",
      {
        facilityId: facilityId(),
        userId: synced.id,
        patch: { trackSourceUpdates: false, lastName: "Decoupled", mobilePhone: "07911 123777" },
      },
      cookie,
    );
    expect(decoupled.status).toBe(200);
    expect(decoupled.body.result?.data).toMatchObject({
      lastName: "Decoupled",
      mobilePhone: "+447911123777",
      detailsEditable: true,
    });

    const edited = await trpcMutation(
      "users.update",
      { facilityId: facilityId(), userId: synced.id, patch: { email: "new@example.com", personType: "Staff" } },
      cookie,
    );
    expect(edited.status).toBe(200);

    // Re-coupling hands the details back to sync: not in the same write as an edit of them.
    const both = await trpcMutation(
      "users.update",
      { facilityId: facilityId(), userId: synced.id, patch: { trackSourceUpdates: true, firstName: "Nope" } },
      cookie,
    );
    expect(both.status).toBe(409);
    const recoupled = await trpcMutation(
      "users.update",
      { facilityId: facilityId(), userId: synced.id, patch: { trackSourceUpdates: true } },
      cookie,
    );
    expect(recoupled.body.result?.data).toMatchObject({
      trackSourceUpdates: true,
      detailsEditable: false,
      email: "new@example.com",
    });
    const stored = await rowOf(db, synced.id);
    expect(stored).toMatchObject({
      firstName: "Sam",
      lastName: "Decoupled",
      personType: "Staff",
      version: synced.version + 4,
    });
  });

  it("names the field of an invalid patch", async () => {
    const synced = await insertSynced(db, facilityId(), integrationId);
    const { status, body } = await trpcMutation(
      "users.update",
      { facilityId: facilityId(), userId: synced.id, patch: { notes: "x".repeat(2001), customTags: ["ok", ""] } },
      cookie,
    );
    expect(status).toBe(400);
    expect(
      issuesOf(body)
        .map((i) => i.path)
        .sort(),
    ).toEqual(["patch.customTags.1", "patch.notes"]);
    const unknown = await trpcMutation(
      "users.update",
      { facilityId: facilityId(), userId: synced.id, patch: { syncedTags: ["x"] } },
      cookie,
    );
    expect(unknown.status).toBe(400);
    const phone = await trpcMutation(
      "users.update",
      { facilityId: facilityId(), userId: synced.id, patch: { trackSourceUpdates: false, mobilePhone: "abc" } },
      cookie,
    );
    expect(issuesOf(phone.body)).toEqual([{ path: "patch.mobilePhone", message: "Enter a valid mobile phone number" }]);
    expect(await rowOf(db, synced.id)).toEqual(synced);
  });

  it("adds and removes grants, and shows effective access and door history", async () => {
    const synced = await insertSynced(db, facilityId(), integrationId, { removedAtSourceAt: Date.UTC(2026, 0, 2) });
    await db.insert(accessLogEntry).values([
      {
        facilityId: facilityId(),
        userId: synced.id,
        personName: "Sam Synced",
        door: "Main entrance",
        result: "granted",
        at: 1_000,
      },
      {
        facilityId: facilityId(),
        userId: synced.id,
        personName: "Sam Synced",
        door: "Pool",
        result: "denied",
        at: 2_000,
      },
    ]);
    const added = await trpcMutation(
      "users.grants.add",
      { facilityId: facilityId(), userId: synced.id, name: "Pool" },
      cookie,
    );
    expect(added.status).toBe(200);
    const view = added.body.result?.data as { grants: Array<{ id: string; name: string }> };
    expect(view.grants.map((g) => g.name)).toEqual(["Pool"]);
    const duplicate = await trpcMutation(
      "users.grants.add",
      { facilityId: facilityId(), userId: synced.id, name: "pool" },
      cookie,
    );
    expect(duplicate.status).toBe(409);
    const blank = await trpcMutation(
      "users.grants.add",
      { facilityId: facilityId(), userId: synced.id, name: "  " },
      cookie,
    );
    expect(issuesOf(blank.body).map((i) => i.path)).toEqual(["name"]);

    const got = await trpcQuery("users.get", { facilityId: facilityId(), userId: synced.id }, cookie);
    expect(got.body.result?.data).toMatchObject({
      access: { effective: false, disabledReasons: ["removed_at_source"] },
      history: [
        { door: "Pool", result: "denied", at: 2_000 },
        { door: "Main entrance", result: "granted", at: 1_000 },
      ],
    });

    const removed = await trpcMutation(
      "users.grants.remove",
      { facilityId: facilityId(), userId: synced.id, grantId: view.grants[0]!.id },
      cookie,
    );
    expect(removed.status).toBe(200);
    expect((removed.body.result?.data as { grants: unknown[] }).grants).toEqual([]);
  });

  it("answers NOT_FOUND for another facility's user, in the same organisation or another, and changes nothing", async () => {
    const other = await createTenant();
    const integration = await insertIntegration(
      db,
      { organisationId: other.organisation.id, name: "P", baseUrl: "http://p.test", apiKey: "k", locations: {} },
      Date.now(),
    );
    const sameOrg = await insertSynced(db, tenant.ungranted.id, integrationId);
    const otherOrg = await insertSynced(db, other.granted.id, integration.id);
    const [grant] = await db
      .insert(accessGrant)
      .values({ id: newId("grt"), userId: otherOrg.id, name: "Gym", createdAt: 1 })
      .returning();

    // Read back as stored: the grant marks its person (has_grants, by a trigger).
    for (const victim of [sameOrg, (await rowOf(db, otherOrg.id))!]) {
      // The caller's own facility with a foreign user id…
      const read = await trpcQuery("users.get", { facilityId: facilityId(), userId: victim.id }, cookie);
      expect(read.status).toBe(404);
      expect(read.body.result).toBeUndefined();
      const write = await trpcMutation(
        "users.update",
        { facilityId: facilityId(), userId: victim.id, patch: { accessEnabled: false, notes: "pwned" } },
        cookie,
      );
      expect(write.status).toBe(404);
      const addGrant = await trpcMutation(
        "users.grants.add",
        { facilityId: facilityId(), userId: victim.id, name: "All doors" },
        cookie,
      );
      expect(addGrant.status).toBe(404);
      // …and the foreign facility itself.
      const direct = await trpcQuery("users.get", { facilityId: victim.facilityId, userId: victim.id }, cookie);
      expect(direct.status).toBe(404);
      const list = await trpcQuery("users.list", { facilityId: victim.facilityId }, cookie);
      expect(list.status).toBe(404);
      expect(await rowOf(db, victim.id)).toEqual(victim);
    }
    const removeGrant = await trpcMutation(
      "users.grants.remove",
      { facilityId: facilityId(), userId: otherOrg.id, grantId: grant!.id },
      cookie,
    );
    expect(removeGrant.status).toBe(404);
    expect(await db.select().from(accessGrant).where(eq(accessGrant.userId, otherOrg.id))).toHaveLength(1);
    expect(await db.select().from(accessGrant).where(eq(accessGrant.name, "All doors"))).toHaveLength(0);
  });

  it("answers 401 without a session", async () => {
    const { status } = await trpcQuery("users.list", { facilityId: facilityId() });
    expect(status).toBe(401);
  });
});
