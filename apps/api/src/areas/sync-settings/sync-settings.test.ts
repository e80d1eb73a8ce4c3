import { env } from "cloudflare:test";
import { describe, it, expect, beforeAll } from "vitest";
import { getSyncSettings, insertIntegration, updateIntegration } from "@uas/db";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";

describe("sync settings over tRPC", () => {
  let tenant: Tenant;
  let cookie: string;
  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });

  it("shows both source blocks off and never run for a new facility", async () => {
    const { status, body } = await trpcQuery("syncSettings.get", { facilityId: tenant.granted.id }, cookie);
    expect(status).toBe(200);
    expect(body.result?.data).toMatchObject({
      requireIdentifier: "email_or_phone",
      autoSendInvitations: false,
      sources: [
        { source: "integration", label: "Integrations", enabled: false, lastRun: null },
        { source: "cctv", label: "Performance Hub features (CCTV/Computer Vision)", enabled: false, lastRun: null },
      ],
    });
  });

  it("says when the nightly pass runs, in the facility's own zone", async () => {
    const { body } = await trpcQuery("syncSettings.get", { facilityId: tenant.granted.id }, cookie);
    expect((body.result?.data as { nightly: unknown }).nightly).toEqual({ hour: 3, timeZone: "Europe/London" });
  });

  it("counts, before Auto-send is turned on, the people its next pass would email", async () => {
    const { status, body } = await trpcQuery("syncSettings.autoSendPreview", { facilityId: tenant.granted.id }, cookie);
    expect(status).toBe(200);
    expect(body.result?.data).toEqual({ people: 0 });
  });

  it("persists a toggle in the database", async () => {
    const { status } = await trpcMutation(
      "syncSettings.update",
      { facilityId: tenant.granted.id, patch: { integrationsEnabled: true } },
      cookie,
    );
    expect(status).toBe(200);
    const stored = await getSyncSettings(testDb(), tenant.granted.id);
    expect(stored?.integrationsEnabled).toBe(true);
    expect(stored?.cctvEnabled).toBe(false);
  });

  it("rejects an unknown setting and names the field, changing nothing", async () => {
    const before = await getSyncSettings(testDb(), tenant.granted.id);
    const { status, body } = await trpcMutation(
      "syncSettings.update",
      { facilityId: tenant.granted.id, patch: { requireIdentifier: "fingerprint" } },
      cookie,
    );
    expect(status).toBe(400);
    expect(JSON.stringify(body.error)).toContain("patch.requireIdentifier");
    expect(await getSyncSettings(testDb(), tenant.granted.id)).toEqual(before);
  });
});

describe("sign-in and tenancy", () => {
  it("answers 401 without a session", async () => {
    const tenant = await createTenant();
    const { status, body } = await trpcQuery("syncSettings.get", { facilityId: tenant.granted.id });
    expect(status).toBe(401);
    expect(body.error?.data.code).toBe("UNAUTHORIZED");
    expect((await trpcQuery("me.get", undefined)).status).toBe(401);
  });

  it("refuses another facility's id, in the same organisation or another, with no data and no change", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    for (const facilityId of [tenant.ungranted.id, other.granted.id]) {
      const read = await trpcQuery("syncSettings.get", { facilityId }, cookie);
      expect(read.status).toBe(404);
      expect(read.body.result).toBeUndefined();
      const write = await trpcMutation("syncSettings.update", { facilityId, patch: { cctvEnabled: true } }, cookie);
      expect(write.status).toBe(404);
      expect((await getSyncSettings(testDb(), facilityId))?.cctvEnabled).toBe(false);
    }
  });

  it("lists only the granted facilities", async () => {
    const tenant = await createTenant();
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const { body } = await trpcQuery("me.get", undefined, cookie);
    const facilities = (body.result?.data as { facilities: Array<{ id: string }> }).facilities;
    expect(facilities.map((f) => f.id)).toEqual([tenant.granted.id]);
  });
});

describe("Sync from these integrations", () => {
  it("lists a facility as mirroring an integration once it is on the location map, and not before", async () => {
    const tenant = await createTenant();
    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const db = testDb();
    const partner = await insertIntegration(
      db,
      {
        organisationId: tenant.organisation.id,
        name: "Partner",
        baseUrl: env.DEMO_PARTNER_URL,
        apiKey: "k",
        locations: {},
      },
      Date.now(),
    );
    const mirrors = async () => {
      const { body } = await trpcQuery("syncSettings.get", { facilityId: tenant.granted.id }, cookie);
      return (body.result?.data as { integrations: Array<{ integrationId: string; enabled: boolean }> }).integrations;
    };
    expect(await mirrors()).toEqual([{ integrationId: partner.id, name: "Partner", enabled: false, polls: [] }]);

    await updateIntegration(db, partner.id, {}, [{ locationId: "loc-1", facilityId: tenant.granted.id }]);
    expect(await mirrors()).toEqual([{ integrationId: partner.id, name: "Partner", enabled: true, polls: [] }]);

    // A facility's own choice survives later edits of the map.
    await trpcMutation(
      "syncSettings.setIntegration",
      { facilityId: tenant.granted.id, integrationId: partner.id, enabled: false },
      cookie,
    );
    await updateIntegration(db, partner.id, {}, [{ locationId: "loc-2", facilityId: tenant.granted.id }]);
    expect(await mirrors()).toEqual([{ integrationId: partner.id, name: "Partner", enabled: false, polls: [] }]);
  });
});
