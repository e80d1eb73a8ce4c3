import { parseListingRecord } from "@uas/domain";
import { describe, expect, it } from "vitest";
import { ConnectorError, type ContractRecord, connectorFor } from "../../src";
import { pushpressConnector } from "../../src/pushpress";
import { control } from "../support";
import { API_KEY, pushpressContext, startPushPress } from "./helpers";

async function listAll(context: ReturnType<typeof pushpressContext>, locationIds: string[] | null = null) {
  const records: ContractRecord[] = [];
  let cursor: string | null = null;
  let calls = 0;
  let pages = 0;
  do {
    const page = await pushpressConnector.listPage(context, { locationIds, cursor });
    records.push(...page.records);
    calls += page.calls;
    pages += 1;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { records, calls, pages };
}

describe("PushPress listing against the simulator", () => {
  it("pages by page number to the last (short) page; ex-members are left out; the domain accepts every record", async () => {
    const sim = await startPushPress({ customerCount: 250 });
    const context = pushpressContext(sim);
    const { records, calls, pages } = await listAll(context);
    const customers = sim.company.customers.list();
    expect(pages).toBe(1); // four pages of 100 read at once: the third is short, the fourth empty
    expect(calls).toBe(4);
    expect(records.map((r) => r.external_id).sort()).toEqual(
      customers
        .filter((c) => c.role !== "ex-member")
        .map((c) => c.id)
        .sort(),
    );
    expect(customers.some((c) => c.role === "ex-member")).toBe(true);
    for (const record of records) expect(parseListingRecord("integration", record).ok).toBe(true);
    expect(context.requests.every((r) => r.includes("limit=100"))).toBe(true);
  });

  it("through the registry, gathers pages up to the Worker's page size (at most 10 calls), the same people in all", async () => {
    const sim = await startPushPress({ customerCount: 2500 });
    const context = { ...pushpressContext(sim), tuning: { minRetryDelayMs: 5, retries: 3, pageSize: 1000 } };
    const gathered = connectorFor("pushpress");
    const ids: unknown[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await gathered.listPage(context, { locationIds: null, cursor });
      expect(page.calls).toBeLessThanOrEqual(12);
      sizes.push(page.records.length);
      ids.push(...page.records.map((r) => r.external_id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(sizes[0]).toBeGreaterThanOrEqual(1000);
    expect(sizes.length).toBeLessThanOrEqual(3);
    expect(ids.sort()).toEqual((await listAll(pushpressContext(sim))).records.map((r) => r.external_id).sort());
  });

  it("reads an exact multiple of the pages in flight to the empty page after it", async () => {
    const sim = await startPushPress({ customerCount: 800 });
    const context = pushpressContext(sim);
    const { pages, calls, records } = await listAll(context);
    expect([pages, calls]).toEqual([3, 12]);
    expect(records.length).toBe(sim.company.customers.list().filter((c) => c.role !== "ex-member").length);
    expect(context.requests.filter((r) => r.includes("page=9&"))).toHaveLength(1);
  });

  it("maps fields, roles to person types, and labels roles and enrollment statuses", async () => {
    const sim = await startPushPress({ customerCount: 0 });
    const primary = await control<{ id: string }>(sim.url, "/customers", {
      first: "Ada",
      last: "Lovelace",
      email: "ada@example.com",
      phone: "+447700900123",
      role: "member",
    });
    await control(sim.url, "/customers", {
      first: "Kid",
      last: "Lovelace",
      email: "ada@example.com",
      role: "member",
      primaryCustomerId: primary.id,
    });
    await control(sim.url, "/customers", { first: "Coach", last: "Carter", email: "coach@example.com", role: "coach" });
    const { records } = await listAll(pushpressContext(sim));
    expect(records.find((r) => r.first_name === "Ada")).toMatchObject({
      external_id: primary.id,
      email: "ada@example.com",
      mobile_phone: "+447700900123",
      person_type: "member",
      membership_status: "member",
      location_ids: [sim.companyId],
      tags: null,
    });
    expect(records.find((r) => r.first_name === "Kid")).toMatchObject({ tags: ["household"] });
    expect(records.find((r) => r.first_name === "Coach")).toMatchObject({
      person_type: "staff",
      membership_status: "coach",
    });
    const label = connectorFor("pushpress").statusLabel;
    expect(
      [
        "member",
        "non-member",
        "lead",
        "active",
        "alert",
        "paused",
        "canceled",
        "completed",
        "pendactivation",
        "pendcancel",
      ].map(label),
    ).toEqual([
      "Active",
      "Non-Member",
      "Lead",
      "Active",
      "Alert",
      "On hold",
      "Cancelled",
      "Expired",
      "Pending",
      "Active",
    ]);
  });

  it("lists nobody for a facility mapped to another company, without a call", async () => {
    const sim = await startPushPress();
    const page = await pushpressConnector.listPage(pushpressContext(sim), { locationIds: ["cmp_other"], cursor: null });
    expect(page).toEqual({ records: [], nextCursor: null, calls: 0 });
    expect((await listAll(pushpressContext(sim), [sim.companyId])).records.length).toBeGreaterThan(0);
  });

  it("fetches one customer; 404 after customer.deleted and an ex-member are null", async () => {
    const sim = await startPushPress({ customerCount: 30 });
    const context = pushpressContext(sim);
    const [a, b] = sim.company.customers.list().filter((c) => c.role === "member");
    const record = await pushpressConnector.fetchOne(context, a?.id ?? "");
    expect(record).toMatchObject({ external_id: a?.id, first_name: a?.name.first });
    expect(parseListingRecord("integration", record).ok).toBe(true);
    await control(sim.url, `/customers/${a?.id}/delete`, {});
    expect(await pushpressConnector.fetchOne(context, a?.id ?? "")).toBeNull();
    await control(sim.url, "/customers", { id: b?.id, role: "ex-member" });
    expect(await pushpressConnector.fetchOne(context, b?.id ?? "")).toBeNull();
    // A wrong company is not "nobody": it throws instead of reading as a removal.
    await expect(
      pushpressConnector.fetchOne(pushpressContext(sim, { companyId: "cmp_nope" }), b?.id ?? ""),
    ).rejects.toMatchObject({
      problem: "wrong-account",
    });
  });

  it("lists the company as the location and says what failed on Test connection", async () => {
    const sim = await startPushPress({
      apiKeys: [
        API_KEY,
        { key: "reader-of-nothing", canReadCustomers: false },
        { key: "elsewhere", companyIds: ["cmp_x"] },
      ],
    });
    expect(await pushpressConnector.locations(pushpressContext(sim))).toEqual([
      { id: sim.companyId, name: "Northside CrossFit" },
    ]);
    await expect(pushpressConnector.testConnection(pushpressContext(sim))).resolves.toBeUndefined();
    const problem = async (overrides: Record<string, string>) => {
      try {
        await pushpressConnector.testConnection(pushpressContext(sim, overrides));
        return "none";
      } catch (error) {
        return error instanceof ConnectorError ? `${error.problem} ${error.status}` : String(error);
      }
    };
    expect(await problem({ apiKey: "wrong" })).toBe("wrong-credentials 401");
    expect(await problem({ companyId: "cmp_nope" })).toBe("wrong-account 404");
    expect(await problem({ apiKey: "reader-of-nothing" })).toBe("no-permission 403");
    expect(await problem({ apiKey: "elsewhere" })).toBe("wrong-account 403");
  });

  it("retries 429, waiting Retry-After", async () => {
    const sim = await startPushPress({ customerCount: 10, rateLimitPerSecond: 2 });
    const context = pushpressContext(sim);
    // Four pages in flight against two requests a second: some are answered 429 and retried.
    const page = await pushpressConnector.listPage(context, { locationIds: null, cursor: null });
    expect(page.records.length).toBe(sim.company.customers.list().filter((c) => c.role !== "ex-member").length);
    expect(page.calls).toBeGreaterThan(4);
  }, 20_000);

  it("retries 5xx outages, then gives up as source-error", async () => {
    const sim = await startPushPress({ customerCount: 10 });
    const context = pushpressContext(sim);
    await control(sim.url, "/traps", { failNext: { status: 502, times: 2 } });
    expect((await pushpressConnector.listPage(context, { locationIds: null, cursor: null })).calls).toBe(6);
    await control(sim.url, "/traps", { failNext: { status: 500, times: 100 } });
    await expect(pushpressConnector.listPage(context, { locationIds: null, cursor: null })).rejects.toMatchObject({
      problem: "source-error",
    });
  }, 20_000);
});
