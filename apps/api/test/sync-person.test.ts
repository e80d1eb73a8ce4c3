import { describe, it, expect, beforeAll } from "vitest";
import { env } from "cloudflare:test";
import { insertIntegration, updateSyncSettings } from "@uas/db";
import { createTenant, signIn, testDb, trpcMutation, type Tenant } from "./support";

type Member = { external_id: string; email: string | null; mobile_phone: string | null; location_ids: string[] };
type Step = { step: string; status: string; detail: string };

async function partnerMembers(): Promise<Member[]> {
  const res = await fetch(`${env.DEMO_PARTNER_URL}/members?limit=1000`, { headers: { authorization: `Bearer ${env.DEMO_PARTNER_KEY}` } });
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
    expect(steps[2]).toEqual({ step: "settings", status: "stop", detail: "Integration sync is turned off for this facility" });
    expect(steps[3]).toMatchObject({ status: "stop", detail: "Skipped: Integration sync is turned off for this facility" });
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
    expect(steps.find((s) => s.step === "facility")).toEqual({ step: "facility", status: "stop", detail: "No facility on the source record" });
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
