import { describe, it, expect, beforeAll } from "vitest";
import { env } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { accessUser, insertIntegration, updateSyncSettings } from "@uas/db";
import { applySourceEvent } from "@uas/engine";
import { createTenant, signIn, testDb, trpcMutation, type Tenant } from "../../../test/support";

type Member = { external_id: string; email: string | null; mobile_phone: string | null; location_ids: string[] };
type Step = { step: string; status: string; detail: string };

async function partnerMembers(): Promise<Member[]> {
  const res = await fetch(`${env.DEMO_PARTNER_URL}/members?limit=1000`, {
    headers: { authorization: `Bearer ${env.DEMO_PARTNER_KEY}` },
  });
  return ((await res.json()) as { data: Member[] }).data;
}

describe("Sync this person now", () => {
  let tenant: Tenant;
  let cookie: string;
  let integrationId: string;
  let members: Member[];
  const syncPerson = async (externalId: string) => {
    const { status, body } = await trpcMutation(
      "passes.syncPerson",
      { facilityId: tenant.granted.id, source: "integration", integrationId, externalId },
      cookie,
    );
    expect(status).toBe(200);
    return (body.result?.data as { steps: Step[] }).steps;
  };

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
    integrationId = (
      await insertIntegration(
        testDb(),
        {
          organisationId: tenant.organisation.id,
          name: "Demo Partner",
          baseUrl: env.DEMO_PARTNER_URL,
          apiKey: env.DEMO_PARTNER_KEY,
          locations: { "loc-north": tenant.granted.id },
        },
        Date.now(),
      )
    ).id;
    members = await partnerMembers();
  });

  it("explains a source that is off, and the engine skips the person", async () => {
    const member = members.find((m) => m.location_ids.includes("loc-north") && m.email)!;
    const steps = await syncPerson(member.external_id);
    expect(steps.map((s) => s.step)).toEqual(["fetch", "facility", "settings", "action"]);
    expect(steps[2]).toEqual({
      step: "settings",
      status: "stop",
      detail: "Integration sync is turned off for this facility",
    });
    expect(steps[3]).toMatchObject({
      status: "stop",
      detail: "Skipped: Integration sync is turned off for this facility",
    });
  });

  it("walks fetch → facility → settings → identifier → match → action and adds the person", async () => {
    await updateSyncSettings(testDb(), tenant.granted.id, { integrationsEnabled: true }, Date.now());
    const member = members.find((m) => m.location_ids.includes("loc-north") && m.email?.endsWith("@example.com"))!;
    const steps = await syncPerson(member.external_id);
    expect(steps.map((s) => s.step)).toEqual(["fetch", "facility", "settings", "identifier", "match", "action"]);
    expect(steps.at(-1)).toMatchObject({ step: "action", status: "ok", detail: "Added" });
    const again = await syncPerson(member.external_id);
    expect(again.find((s) => s.step === "match")?.detail).toBe("Matches an existing User Access row");
    expect(again.at(-1)?.detail).toBe("Processed");
  });

  it("stops at the facility step for a member at no mapped location", async () => {
    const member = members.find((m) => m.location_ids.length === 0)!;
    const steps = await syncPerson(member.external_id);
    expect(steps.find((s) => s.step === "facility")).toEqual({
      step: "facility",
      status: "stop",
      detail: "No facility on the source record",
    });
    expect(steps.at(-1)).toMatchObject({ step: "action", detail: "Skipped: No facility on the source record" });
  });

  it("treats a person the source no longer has as a removal", async () => {
    const steps = await syncPerson("NOT-AT-THE-SOURCE");
    expect(steps[0]).toMatchObject({ step: "fetch", status: "info" });
    expect(steps.at(-1)).toMatchObject({ step: "action", detail: "Skipped: No matching User Access record" });
  });

  it("refuses another organisation's integration", async () => {
    const other = await createTenant();
    const otherCookie = await signIn(other.admin.email, other.admin.password);
    const { status } = await trpcMutation(
      "passes.syncPerson",
      { facilityId: other.granted.id, source: "integration", integrationId, externalId: "M-1" },
      otherCookie,
    );
    expect(status).toBe(404);
  });
});

describe("Sync this person now, scoped to the facility it was run from", () => {
  // One integration mapping a location to each facility; the admin is granted only the first.
  let tenant: Tenant;
  let cookie: string;
  let integrationId: string;
  let members: Member[];

  const rowsOf = async (externalId: string) =>
    new Map(
      (
        await testDb()
          .select()
          .from(accessUser)
          .where(and(eq(accessUser.integrationId, integrationId), eq(accessUser.externalId, externalId)))
      ).map((row) => [row.facilityId, row]),
    );
  /** The person at both facilities, as a webhook naming both locations leaves them. */
  const atBothFacilities = async (externalId: string) => {
    const applied = await applySourceEvent({
      db: testDb(),
      source: "integration",
      integrationId,
      event: {
        type: "member.upserted",
        data: {
          external_id: externalId,
          first_name: "Both",
          last_name: "Facilities",
          email: `${externalId.toLowerCase()}@example.com`,
          mobile_phone: null,
          location_ids: ["loc-north", "loc-river"],
          updated_at: "2020-01-01T00:00:00Z",
        },
      },
      webhookId: null,
      now: Date.now(),
    });
    expect(applied.status).toBe("applied");
    const rows = await rowsOf(externalId);
    expect([...rows.keys()].sort()).toEqual([tenant.granted.id, tenant.ungranted.id].sort());
    return rows;
  };
  const syncPerson = async (externalId: string) => {
    const { status } = await trpcMutation(
      "passes.syncPerson",
      { facilityId: tenant.granted.id, source: "integration", integrationId, externalId },
      cookie,
    );
    expect(status).toBe(200);
  };

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const db = testDb();
    integrationId = (
      await insertIntegration(
        db,
        {
          organisationId: tenant.organisation.id,
          name: "Demo Partner",
          baseUrl: env.DEMO_PARTNER_URL,
          apiKey: env.DEMO_PARTNER_KEY,
          locations: { "loc-north": tenant.granted.id, "loc-river": tenant.ungranted.id },
        },
        Date.now(),
      )
    ).id;
    for (const id of [tenant.granted.id, tenant.ungranted.id])
      await updateSyncSettings(db, id, { integrationsEnabled: true }, Date.now());
    members = await partnerMembers();
  });

  it("applies a removal the source answered to this facility's row only", async () => {
    const before = await atBothFacilities("GONE-FROM-SOURCE");
    await syncPerson("GONE-FROM-SOURCE");
    const after = await rowsOf("GONE-FROM-SOURCE");
    expect(after.get(tenant.granted.id)?.removedAtSourceAt).not.toBeNull();
    expect(after.get(tenant.ungranted.id)).toEqual(before.get(tenant.ungranted.id));
  });

  it("applies a record that left the other facility's location to this facility's row only", async () => {
    const member = members.find((m) => m.location_ids.length === 1 && m.location_ids[0] === "loc-north" && m.email)!;
    const before = await atBothFacilities(member.external_id);
    await syncPerson(member.external_id);
    const after = await rowsOf(member.external_id);
    expect(after.get(tenant.granted.id)?.updatedAt).toBeGreaterThan(before.get(tenant.granted.id)!.updatedAt);
    // The record no longer lists loc-river: a pass or webhook would remove the person there, this action does not.
    expect(after.get(tenant.ungranted.id)).toEqual(before.get(tenant.ungranted.id));
  });
});
