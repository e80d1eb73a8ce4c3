import { parseListingRecord } from "@uas/domain";
import { describe, expect, it } from "vitest";
import { ConnectorError, type ContractRecord, connectorFor } from "../../src";
import { mindbodyConnector } from "../../src/mindbody";
import { control } from "../support";
import { API_KEY, mindbodyContext, startMindbody } from "./helpers";

type SimClient = {
  client: { Id: string; UniqueId: number; Active: boolean; Status: string; HomeLocation: { Id: number } | null };
};

async function listAll(
  context: ReturnType<typeof mindbodyContext>,
  since?: string,
  locationIds: string[] | null = null,
) {
  const records: ContractRecord[] = [];
  const removals: ContractRecord[] = [];
  let cursor: string | null = null;
  let calls = 0;
  let pages = 0;
  do {
    const page = await mindbodyConnector.listPage(context, { locationIds, cursor, ...(since ? { since } : {}) });
    records.push(...page.records);
    removals.push(...(page.removals ?? []));
    calls += page.calls;
    pages += 1;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { records, removals, calls, pages };
}

describe("Mindbody listing against the simulator", () => {
  it("pages to the last page with the largest page size and counts every call, token included", async () => {
    const sim = await startMindbody({ clientCount: 450 });
    const context = mindbodyContext(sim);
    const { records, calls, pages } = await listAll(context);
    const active = sim.site.store.list().filter((entry) => entry.client.Active);
    expect(pages).toBe(1); // the total is known after the first page: the other pages are read at once
    expect(records.map((r) => r.external_id).sort()).toEqual(active.map((e) => String(e.client.UniqueId)).sort());
    expect(calls).toBe(Math.ceil(active.length / 200) + 1); // one staff token, then one call per page of 200
    expect(
      context.requests.filter((r) => r.includes("/client/clients")).every((r) => r.includes("request.limit=200")),
    ).toBe(true);
    expect(sim.usage().keys[API_KEY]?.calls).toBe(calls); // what the site counts against its quota
    // The domain validates every record unchanged.
    for (const record of records) expect(parseListingRecord("integration", record).ok).toBe(true);
    // A second listing reuses the staff token: one call per page.
    expect((await listAll(context)).calls).toBe(Math.ceil(active.length / 200));
  });

  it("misses nobody when clients are deactivated before the offset during a listing", async () => {
    const sim = await startMindbody({ clientCount: 2400 });
    const context = mindbodyContext(sim);
    const seen = new Set<unknown>();
    let page = await mindbodyConnector.listPage(context, { locationIds: null, cursor: null });
    for (const record of page.records) seen.add(record.external_id);
    const firstBatch = page.records.length;
    expect(firstBatch).toBeGreaterThan(700); // four pages at once
    // Three clients of the first page leave while the listing is under way.
    for (const record of page.records.slice(0, 3)) {
      const entry = sim.site.store.list().find((e) => String(e.client.UniqueId) === record.external_id);
      await control(sim.url, `/clients/${entry?.client.Id}/deactivate`, {});
    }
    let calls = 0;
    while (page.nextCursor !== null) {
      page = await mindbodyConnector.listPage(context, { locationIds: null, cursor: page.nextCursor });
      calls += page.calls;
      for (const record of page.records) seen.add(record.external_id);
    }
    const active = sim.site.store.list().filter((e) => e.client.Active);
    for (const entry of active) expect(seen.has(String(entry.client.UniqueId))).toBe(true);
    // The later pages, plus the batch that noticed the shrinkage and was read again from further back.
    expect(calls).toBeGreaterThan(Math.ceil((active.length - firstBatch) / 200));
  });

  it("maps fields, person types and statuses; the raw status stays in membership_status", async () => {
    const sim = await startMindbody({ clientCount: 0 });
    await control(sim.url, "/clients", {
      Id: "BC-1",
      FirstName: "Ada",
      LastName: "Lovelace",
      Email: "ada@example.com",
      MobilePhone: null,
      HomePhone: "+44 20 7946 0000",
      Status: "Suspended",
      HomeLocationId: 2,
    });
    await control(sim.url, "/clients", {
      Id: "BC-2",
      FirstName: "Pro",
      LastName: "Spect",
      IsProspect: true,
      Status: "Non-Member",
    });
    const { records } = await listAll(mindbodyContext(sim));
    const ada = records.find((r) => r.first_name === "Ada");
    expect(ada).toMatchObject({
      email: "ada@example.com",
      mobile_phone: "+44 20 7946 0000",
      person_type: "member",
      membership_status: "Suspended",
      location_ids: ["2"],
    });
    expect(records.find((r) => r.first_name === "Pro")).toMatchObject({
      person_type: "prospect",
      membership_status: "Non-Member",
    });
    const label = connectorFor("mindbody").statusLabel;
    expect(["Active", "Expired", "Suspended", "Terminated", "Declined", "Non-Member"].map(label)).toEqual([
      "Active",
      "Expired",
      "On hold",
      "Cancelled",
      "Declined",
      "Non-Member",
    ]);
  });

  it("lists one facility's locations only when asked", async () => {
    const sim = await startMindbody({ clientCount: 120 });
    const { records } = await listAll(mindbodyContext(sim), undefined, ["2"]);
    const atTwo = sim.site.store.list().filter((e) => e.client.Active && e.client.HomeLocation?.Id === 2);
    expect(records.length).toBe(atTwo.length);
    expect(records.every((r) => (r.location_ids as string[])[0] === "2")).toBe(true);
  });

  it("lists a delta since a watermark: changed people as records, deactivated ones as removals", async () => {
    let now = Date.parse("2026-12-01T10:00:00Z");
    const sim = await startMindbody({ clientCount: 300, now: () => now });
    const context = mindbodyContext(sim);
    const full = await listAll(context);
    const [first, second] = sim.site.store.list().filter((e) => e.client.Active) as SimClient[];
    now += 60_000;
    const watermark = new Date(now).toISOString();
    now += 1000;
    await control(sim.url, "/clients", { Id: first?.client.Id, FirstName: "Changed" });
    await control(sim.url, `/clients/${second?.client.Id}/deactivate`, {});
    const delta = await listAll(context, watermark);
    expect(delta.records.map((r) => [r.external_id, r.first_name])).toEqual([
      [String(first?.client.UniqueId), "Changed"],
    ]);
    expect(delta.removals).toEqual([
      { external_id: String(second?.client.UniqueId), location_ids: [], updated_at: new Date(now).toISOString() },
    ]);
    expect(delta.calls).toBe(1);
    expect(full.calls).toBeGreaterThan(delta.calls);
    // The deactivated client is absent from the next full listing (a removal by absence).
    const after = await listAll(context);
    expect(after.records.some((r) => r.external_id === String(second?.client.UniqueId))).toBe(false);
  });

  it("fetches one client by its UniqueId; unknown, deactivated and merged-away clients are null", async () => {
    const sim = await startMindbody({ clientCount: 30 });
    const context = mindbodyContext(sim);
    const [a, b, c] = sim.site.store.list().filter((e) => e.client.Active) as SimClient[];
    const record = await mindbodyConnector.fetchOne(context, String(a?.client.UniqueId));
    expect(record).toMatchObject({ external_id: String(a?.client.UniqueId) });
    expect(parseListingRecord("integration", record).ok).toBe(true);
    expect(await mindbodyConnector.fetchOne(context, `Id:${a?.client.Id}`)).toEqual(record);
    expect(await mindbodyConnector.fetchOne(context, "999999999")).toBeNull();
    await control(sim.url, `/clients/${b?.client.Id}/deactivate`, {});
    expect(await mindbodyConnector.fetchOne(context, String(b?.client.UniqueId))).toBeNull();
    await control(sim.url, "/merge", { keptClientId: a?.client.Id, removedClientId: c?.client.Id });
    expect(await mindbodyConnector.fetchOne(context, String(c?.client.UniqueId))).toBeNull();
  });

  it("lists the site's locations and tests the connection", async () => {
    const sim = await startMindbody();
    const context = mindbodyContext(sim);
    expect(await mindbodyConnector.locations(context)).toEqual(
      sim.site.locations.map((l) => ({ id: String(l.Id), name: l.Name })),
    );
    await expect(mindbodyConnector.testConnection(context)).resolves.toBeUndefined();
  });

  it("says plainly what failed: wrong key, wrong staff login, wrong site, site not activated, no permission", async () => {
    const sim = await startMindbody({ otherSiteIds: [-7] });
    const problem = async (overrides: Record<string, string>) => {
      try {
        await mindbodyConnector.testConnection(mindbodyContext(sim, overrides));
        return "none";
      } catch (error) {
        return error instanceof ConnectorError ? `${error.problem} ${error.status}` : String(error);
      }
    };
    expect(await problem({ apiKey: "wrong" })).toBe("wrong-credentials 401");
    expect(await problem({ password: "wrong" })).toBe("wrong-credentials 401");
    expect(await problem({ siteId: "12345" })).toBe("wrong-account 400");
    expect(await problem({ siteId: "-7" })).toBe("no-permission 403");
    expect(await problem({ username: "frontdesk", password: "frontdesk-password" })).toBe("no-permission 403");
  });

  it("replaces an expired staff token once", async () => {
    let now = Date.parse("2026-12-01T10:00:00Z");
    const sim = await startMindbody({ tokenTtlMs: 60_000, now: () => now });
    const context = mindbodyContext(sim);
    await mindbodyConnector.listPage(context, { locationIds: null, cursor: null });
    now += 120_000;
    const page = await mindbodyConnector.listPage(context, { locationIds: null, cursor: null });
    expect(page.calls).toBe(3); // refused with the old token, a new token, the page again
    expect(page.records.length).toBeGreaterThan(0);
  });

  it("retries 429 bursts, waiting Retry-After", async () => {
    const sim = await startMindbody({ clientCount: 10, burstPerSecond: 2 });
    const context = mindbodyContext(sim);
    const pages = await Promise.all(
      [0, 1, 2, 3].map(() => mindbodyConnector.listPage(context, { locationIds: null, cursor: null })),
    );
    expect(pages.every((p) => p.records.length > 0)).toBe(true);
    expect(pages.reduce((sum, p) => sum + p.calls, 0)).toBeGreaterThan(4); // some answered 429 and were retried
  }, 20_000);

  it("retries 5xx outages and gives up as source-error", async () => {
    const sim = await startMindbody({ clientCount: 10 });
    const context = mindbodyContext(sim);
    await control(sim.url, "/traps", { failNext: { status: 503, times: 2 } });
    const afterOutage = await mindbodyConnector.listPage(context, { locationIds: null, cursor: null });
    expect(afterOutage.records.length).toBeGreaterThan(0);

    await control(sim.url, "/traps", { failNext: { status: 500, times: 10 } });
    await expect(mindbodyConnector.listPage(context, { locationIds: null, cursor: null })).rejects.toMatchObject({
      problem: "source-error",
      status: 500,
    });
  }, 20_000);

  it("stops at an exhausted daily quota (quota-exhausted), without waiting for midnight", async () => {
    const blocked = await startMindbody({ clientCount: 10, dailyCallQuota: 2, quotaMode: "block" });
    const blockedContext = mindbodyContext(blocked);
    await mindbodyConnector.listPage(blockedContext, { locationIds: null, cursor: null }); // token + page
    const started = Date.now();
    await expect(mindbodyConnector.listPage(blockedContext, { locationIds: null, cursor: null })).rejects.toMatchObject(
      {
        problem: "quota-exhausted",
        status: 429,
      },
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
