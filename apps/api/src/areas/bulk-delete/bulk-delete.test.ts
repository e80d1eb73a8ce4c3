import { env } from "cloudflare:test";
import { describe, it, expect, beforeAll } from "vitest";
import { and, eq } from "drizzle-orm";
import {
  accessGrant,
  accessUser,
  auditEntry,
  facilityIntegration,
  insertIntegration,
  insertOrganisation,
  getSyncSettings,
  newId,
  type Db,
} from "@uas/db";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";

const STALE = "The users changed since the preview. Run the preview again.";

async function addUsers(
  db: Db,
  facilityId: string,
  source: "manual" | "integration" | "cctv",
  integrationId: string | null,
  n: number,
) {
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({
    id: newId("au"),
    facilityId,
    source,
    integrationId,
    externalId: source === "manual" ? null : `${source}-${i}-${newId("x")}`,
    firstName: "Synced",
    lastName: `Person ${i}`,
    createdAt: now,
    updatedAt: now,
  }));
  await db.insert(accessUser).values(rows);
  await db
    .insert(accessGrant)
    .values(rows.map((row) => ({ id: newId("gr"), userId: row.id, name: "Front door", createdAt: now })));
  return rows.map((row) => row.id);
}

const countIn = (db: Db, facilityId: string) => db.$count(accessUser, eq(accessUser.facilityId, facilityId));

type Preview = { count: number; token: string; sample: Array<{ name: string }> };

/** A tenant whose two facilities each hold users of an integration, a manual user and a CCTV user. */
async function syncedTenant(db: Db) {
  const tenant = await createTenant(db);
  const partner = await insertIntegration(
    db,
    {
      organisationId: tenant.organisation.id,
      name: "Partner",
      baseUrl: env.DEMO_PARTNER_URL,
      apiKey: "key",
      locations: { a: tenant.granted.id, b: tenant.ungranted.id },
    },
    Date.now(),
  );
  for (const facility of [tenant.granted, tenant.ungranted]) {
    await addUsers(db, facility.id, "integration", partner.id, 3);
    await addUsers(db, facility.id, "manual", null, 1);
    await addUsers(db, facility.id, "cctv", null, 1);
  }
  return { ...tenant, partner };
}

describe("bulk delete over tRPC", () => {
  const db = testDb();
  let tenant: Tenant & { partner: { id: string } };
  let cookie: string;
  beforeAll(async () => {
    tenant = await syncedTenant(db);
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });

  it("previews, refuses a stale token with the exact message, then deletes exactly the previewed set", async () => {
    const scope = { kind: "integration", integrationId: tenant.partner.id };
    const first = await trpcQuery("bulkDelete.preview", { facilityId: tenant.granted.id, scope }, cookie);
    expect(first.status).toBe(200);
    const preview = first.body.result?.data as Preview;
    expect(preview.count).toBe(3);
    expect(preview.sample).toHaveLength(3);

    await addUsers(db, tenant.granted.id, "integration", tenant.partner.id, 1);
    const stale = await trpcMutation(
      "bulkDelete.confirm",
      { facilityId: tenant.granted.id, scope, token: preview.token, alsoTurnOff: true },
      cookie,
    );
    expect(stale.status).toBe(409);
    expect(stale.body.error?.data.code).toBe("CONFLICT");
    expect(stale.body.error?.message).toBe(STALE);
    expect(await countIn(db, tenant.granted.id)).toBe(6);

    const again = (await trpcQuery("bulkDelete.preview", { facilityId: tenant.granted.id, scope }, cookie)).body.result
      ?.data as Preview;
    expect(again.count).toBe(4);
    const done = await trpcMutation(
      "bulkDelete.confirm",
      { facilityId: tenant.granted.id, scope, token: again.token, alsoTurnOff: true },
      cookie,
    );
    expect(done.status).toBe(200);
    expect(done.body.result?.data).toEqual({ deleted: 4 });
    const left = await db
      .select({ source: accessUser.source })
      .from(accessUser)
      .where(eq(accessUser.facilityId, tenant.granted.id));
    expect(left.map((row) => row.source).sort()).toEqual(["cctv", "manual"]);
    const [optIn] = await db
      .select()
      .from(facilityIntegration)
      .where(
        and(
          eq(facilityIntegration.facilityId, tenant.granted.id),
          eq(facilityIntegration.integrationId, tenant.partner.id),
        ),
      );
    expect(optIn?.enabled).toBe(false);
    const [audit] = await db.select().from(auditEntry).where(eq(auditEntry.facilityId, tenant.granted.id));
    expect(audit).toMatchObject({
      actorUserId: tenant.admin.id,
      action: "bulk_delete_synced_users",
      detail: { count: 4 },
    });
    // The sibling facility mirrors the same integration and keeps its users and its opt-in.
    expect(await countIn(db, tenant.ungranted.id)).toBe(5);
  });
});

describe("bulk delete tenancy", () => {
  const db = testDb();

  it("refuses another facility, in the same organisation or another, with no data and no change", async () => {
    const tenant = await syncedTenant(db);
    const other = await syncedTenant(db);
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    // A token that is valid for the target facility, as if it had leaked: the grant check still refuses.
    for (const facility of [tenant.ungranted, other.granted]) {
      const token = (
        (await trpcQuery("bulkDelete.preview", { facilityId: tenant.granted.id, scope: { kind: "all" } }, cookie)).body
          .result?.data as Preview
      ).token;
      const read = await trpcQuery("bulkDelete.preview", { facilityId: facility.id, scope: { kind: "all" } }, cookie);
      expect(read.status).toBe(404);
      expect(read.body.result).toBeUndefined();
      const write = await trpcMutation(
        "bulkDelete.confirm",
        { facilityId: facility.id, scope: { kind: "all" }, token, alsoTurnOff: true },
        cookie,
      );
      expect(write.status).toBe(404);
      expect(await countIn(db, facility.id)).toBe(5);
      expect((await getSyncSettings(db, facility.id))?.integrationsEnabled).toBe(false);
    }
    expect(await db.$count(auditEntry, eq(auditEntry.organisationId, other.organisation.id))).toBe(0);
  });

  it("answers NOT_FOUND for an integration of another organisation, and changes nothing", async () => {
    const tenant = await syncedTenant(db);
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const foreignOrg = await insertOrganisation(db, { name: "Elsewhere" }, Date.now());
    const foreign = await insertIntegration(
      db,
      { organisationId: foreignOrg.id, name: "Theirs", baseUrl: "http://x.test", apiKey: "k", locations: {} },
      Date.now(),
    );
    // Rows tagged with the foreign integration in this facility must not become reachable by naming it.
    await addUsers(db, tenant.granted.id, "integration", foreign.id, 2);
    for (const integrationId of [foreign.id, "int_does_not_exist"]) {
      const scope = { kind: "integration", integrationId };
      const read = await trpcQuery("bulkDelete.preview", { facilityId: tenant.granted.id, scope }, cookie);
      expect(read.status).toBe(404);
      expect(read.body.error?.data.code).toBe("NOT_FOUND");
      const write = await trpcMutation(
        "bulkDelete.confirm",
        { facilityId: tenant.granted.id, scope, token: "v1.x", alsoTurnOff: true },
        cookie,
      );
      expect(write.status).toBe(404);
    }
    expect(await countIn(db, tenant.granted.id)).toBe(7);
    expect(await db.$count(facilityIntegration, eq(facilityIntegration.integrationId, foreign.id))).toBe(0);
  });

  it("answers 401 without a session", async () => {
    const tenant = await syncedTenant(db);
    const { status } = await trpcQuery("bulkDelete.preview", { facilityId: tenant.granted.id, scope: { kind: "all" } });
    expect(status).toBe(401);
    const write = await trpcMutation("bulkDelete.confirm", {
      facilityId: tenant.granted.id,
      scope: { kind: "all" },
      token: "v1.x",
      alsoTurnOff: false,
    });
    expect(write.status).toBe(401);
    expect(await countIn(db, tenant.granted.id)).toBe(5);
  });
});

describe("bulk delete validation", () => {
  const db = testDb();
  let tenant: Tenant;
  let cookie: string;
  beforeAll(async () => {
    tenant = await syncedTenant(db);
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });

  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      "an integration scope without its id",
      { scope: { kind: "integration" }, token: "v1.x", alsoTurnOff: true },
      "scope.integrationId",
    ],
    ["a scope of an unknown kind", { scope: { kind: "cctv" }, token: "v1.x", alsoTurnOff: true }, "scope.kind"],
    ["a missing turn-off choice", { scope: { kind: "all" }, token: "v1.x" }, "alsoTurnOff"],
    ["an empty token", { scope: { kind: "all" }, token: "", alsoTurnOff: false }, "token"],
  ];

  for (const [name, input, field] of cases) {
    it(`refuses ${name}, naming ${field}, and deletes nothing`, async () => {
      const { status, body } = await trpcMutation(
        "bulkDelete.confirm",
        { facilityId: tenant.granted.id, ...input },
        cookie,
      );
      expect(status).toBe(400);
      const issues = (body.error?.data as { issues?: Array<{ path: string }> }).issues ?? [];
      expect(issues.map((issue) => issue.path)).toContain(field);
      expect(await countIn(db, tenant.granted.id)).toBe(5);
    });
  }
});
