import { createHmac } from "node:crypto";
import { startGlofoxSimulator, type GlofoxSimulator, type GlofoxSimulatorOptions } from "@uas/simulators/glofox";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorError, type ConnectionContext, type InboundWebhook } from "../../src/connector";
import { decidePassEnd, listingAnomaly } from "@uas/domain";
import { GLOFOX_MAX_LIMIT, glofoxConnector } from "../../src/glofox/index";
import type { GlofoxCredentials } from "../../src/glofox/schema";
import { connectorFor } from "../../src/registry";
import { CONTROL_KEY, control, countingFetch, listAll, startReceiver } from "../helpers";

const KEYS = { apiKey: "gf-key", apiToken: "gf-token" };
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});

async function start(options: Partial<GlofoxSimulatorOptions> = {}): Promise<GlofoxSimulator> {
  const sim = await startGlofoxSimulator({
    port: 0,
    controlKey: CONTROL_KEY,
    credentials: [KEYS],
    memberCount: 40,
    rateLimitPerSecond: 1000,
    ...options,
  });
  running.push(sim);
  return sim;
}

function contextFor(
  sim: GlofoxSimulator,
  overrides: Partial<GlofoxCredentials> = {},
  tuning: ConnectionContext["tuning"] = {},
): ConnectionContext<GlofoxCredentials> & { calls: () => number } {
  const counted = countingFetch();
  return {
    baseUrl: sim.apiBaseUrl,
    credentials: { ...KEYS, branchId: sim.branchId, ...overrides },
    fetch: counted.fetch,
    tuning: { minRetryDelayMs: 5, ...tuning },
    calls: counted.calls,
  };
}

async function problemOf(promise: Promise<unknown>): Promise<{ problem: string; message: string; status: number }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  const { problem, message, status } = error as ConnectorError;
  return { problem, message, status };
}

describe("Glofox connector: listing", () => {
  it("is registered and pages with has_more to the last page, only active members, in the contract's shape", async () => {
    const sim = await start({ memberCount: 250 });
    const context = contextFor(sim);
    expect(connectorFor("glofox")).toMatchObject({ system: "glofox", fetchOne: glofoxConnector.fetchOne });
    const all = await listAll(glofoxConnector, context);
    const active = sim.branch.store.list().filter((m) => m.active);
    expect(all.pages).toBe(Math.ceil(active.length / 100));
    expect(all.records.map((r) => r.external_id).sort()).toEqual(active.map((m) => m._id).sort());
    expect(all.calls).toBe(all.pages);
    expect(context.calls()).toBe(all.pages);
    expect(all.removals).toEqual([]);
    const sample = active[0]!;
    expect(all.records.find((r) => r.external_id === sample._id)).toEqual({
      external_id: sample._id,
      first_name: sample.first_name,
      last_name: sample.last_name,
      email: sample.email,
      mobile_phone: sample.phone,
      person_type: { MEMBER: "Member", CLIENT: "Client", LEAD: "Lead", TRIAL: "Trial" }[sample.lead_status],
      membership_status: sample.membership?.status ?? null,
      tags: sample.membership ? [sample.membership.type] : [],
      location_ids: [sim.branchId],
      updated_at: new Date(sample.modified * 1000).toISOString(),
    });
  });

  it("respects a smaller page size and never asks for more than 100", async () => {
    const sim = await start({ memberCount: 30 });
    const small = await listAll(glofoxConnector, contextFor(sim, {}, { pageSize: 7 }));
    expect(small.pages).toBe(Math.ceil(small.records.length / 7));
    const big = await listAll(glofoxConnector, contextFor(sim, {}, { pageSize: 500 }));
    expect(big.pages).toBe(1);
  });

  it("lists nothing for a facility mapped to other locations", async () => {
    const sim = await start();
    const page = await glofoxConnector.listPage(contextFor(sim), { locationIds: ["elsewhere"], cursor: null });
    expect(page).toEqual({ records: [], nextCursor: null, calls: 0 });
  });

  it("answers deltas by utc_modified_start_date: changes as records, active: false as removals", async () => {
    const sim = await start();
    const since = new Date(Date.now() - 1000).toISOString();
    const gone = sim.branch.store.list().find((m) => m.active)!._id;
    await control(sim.url, `/members/${gone}/deactivate`, {});
    const added = await control<{ _id: string }>(sim.url, "/members", {
      first_name: "Nia",
      last_name: "New",
      email: "nia@example.com",
      membership: { status: "PAUSED" },
    });
    const delta = await listAll(glofoxConnector, contextFor(sim), { locationIds: null, since });
    expect(delta.records.map((r) => r.external_id)).toEqual([added._id]);
    expect(delta.records[0]).toMatchObject({ first_name: "Nia", membership_status: "PAUSED" });
    expect(delta.removals).toEqual([
      { external_id: gone, location_ids: [sim.branchId], updated_at: expect.any(String) },
    ]);
    expect(glofoxConnector.supportsDelta).toBe(true);
  });
});

describe("Glofox connector: one member, errors and limits", () => {
  it("fetches one member; an unknown or deactivated one is null", async () => {
    const sim = await start();
    const [first, second] = sim.branch.store.list().filter((m) => m.active);
    const context = contextFor(sim);
    expect(await glofoxConnector.fetchOne(context, first!._id)).toMatchObject({ external_id: first!._id });
    expect(await glofoxConnector.fetchOne(context, "0123456789abcdef01234567")).toBeNull();
    await control(sim.url, `/members/${second!._id}/deactivate`, {});
    expect(await glofoxConnector.fetchOne(context, second!._id)).toBeNull();
  });

  it("Test connection words a wrong key, token, branch and missing permission", async () => {
    const sim = await start({
      credentials: [KEYS, { apiKey: "gf-key-2", apiToken: "gf-token-2", canReadMembers: false }],
      otherBranchIds: ["other-branch"],
    });
    await expect(glofoxConnector.testConnection(contextFor(sim))).resolves.toBeUndefined();
    expect(await problemOf(glofoxConnector.testConnection(contextFor(sim, { apiKey: "nope" })))).toMatchObject({
      problem: "wrong-credentials",
      status: 401,
    });
    expect(await problemOf(glofoxConnector.testConnection(contextFor(sim, { apiToken: "nope" })))).toMatchObject({
      problem: "wrong-credentials",
      status: 401,
    });
    expect(await problemOf(glofoxConnector.testConnection(contextFor(sim, { branchId: "no-such" })))).toMatchObject({
      problem: "wrong-account",
      status: 404,
    });
    expect(
      await problemOf(glofoxConnector.testConnection(contextFor(sim, { branchId: "other-branch" }))),
    ).toMatchObject({ problem: "no-permission", status: 403 });
    const denied = contextFor(sim, { apiKey: "gf-key-2", apiToken: "gf-token-2" });
    expect((await problemOf(glofoxConnector.testConnection(denied))).message).toMatch(/permission to read members/);
    const closed = { ...contextFor(sim), baseUrl: "http://127.0.0.1:9/prod", tuning: { retries: 0 } };
    expect(await problemOf(glofoxConnector.testConnection(closed))).toMatchObject({ problem: "unreachable" });
  });

  it("stays under about 10 requests/s, and a 429 is retried after Retry-After", async () => {
    // One request a second: the connector's pace (about 10 a second) meets a 429 however slow the machine
    // is (at 3 a second, a loaded machine's own slowness kept it under the limit and no 429 came).
    const sim = await start({ memberCount: 60, rateLimitPerSecond: 1 });
    const all = await listAll(glofoxConnector, contextFor(sim, {}, { pageSize: 10 }));
    expect(all.records.length).toBe(sim.branch.store.list().filter((m) => m.active).length);
    const usage = await control<{ throttled: number }>(sim.url, "/usage");
    expect(usage.throttled).toBeGreaterThan(0);
    expect(all.calls).toBe(all.pages + usage.throttled);
  }, 30_000);

  it("a 429 that does not end is rate-limited; a 5xx is retried, then source-error", async () => {
    const sim = await start({ rateLimitPerSecond: 1 });
    await glofoxConnector.testConnection(contextFor(sim));
    const limited = await problemOf(glofoxConnector.testConnection(contextFor(sim, {}, { retries: 0 })));
    expect(limited).toMatchObject({ problem: "rate-limited", status: 429 });

    const outage = await start();
    await control(outage.url, "/traps", { failNext: { status: 500, times: 2 } });
    const page = await glofoxConnector.listPage(contextFor(outage), { locationIds: null, cursor: null });
    expect(page.calls).toBe(3);
    await control(outage.url, "/traps", { failNext: { status: 502, times: 10 } });
    expect(
      await problemOf(
        glofoxConnector.listPage(contextFor(outage, {}, { retries: 1 }), { locationIds: null, cursor: null }),
      ),
    ).toMatchObject({ problem: "source-error", status: 502 });
  }, 30_000);

  it("the trap: HTTP 200 with success false is a failed page, never an empty one", async () => {
    const sim = await start();
    await control(sim.url, "/traps", { successFalse: { message: "Database timeout" } });
    const failed = await problemOf(glofoxConnector.listPage(contextFor(sim), { locationIds: null, cursor: null }));
    expect(failed).toEqual({
      problem: "source-error",
      status: 200,
      message: "Glofox answered 200 but said the request failed: Database timeout",
    });
    expect(await problemOf(glofoxConnector.testConnection(contextFor(sim)))).toMatchObject({ problem: "source-error" });
  });
});

describe("Glofox connector: status labels", () => {
  it("maps membership statuses to the product's vocabulary", () => {
    expect(["ACTIVE", "PAUSED", "CANCELLED", "EXPIRED", "PAST_DUE"].map(glofoxConnector.statusLabel)).toEqual([
      "Active",
      "On hold",
      "Cancelled",
      "Expired",
      "Past Due",
    ]);
  });
});

describe("Glofox connector: change webhooks", () => {
  const SECRET = "gf-webhook-secret";
  const toInbound = (r: { headers: Record<string, string>; rawBody: string; url: string }): InboundWebhook => ({
    method: "POST",
    headers: r.headers,
    rawBody: r.rawBody,
    url: r.url,
  });

  it("verifies the simulator's signed MEMBER_CREATED / MEMBER_UPDATED and turns active: false into a removal", async () => {
    const receiver = await startReceiver();
    running.push(receiver);
    const sim = await start({ webhookTarget: { url: receiver.url, secret: SECRET } });
    const created = await control<{ _id: string }>(sim.url, "/members", { first_name: "Ola", last_name: "Webhook" });
    await control(sim.url, `/members/${created._id}/deactivate`, {});
    const [first, second] = (await receiver.waitFor(2)).map(toInbound);
    const dialect = glofoxConnector.webhooks!;
    const now = Date.now();
    expect(await dialect.verify(first!, [SECRET], now)).toEqual({ ok: true });
    // During a rotation the previous secret is still accepted.
    expect(await dialect.verify(second!, ["new-secret", SECRET], now)).toEqual({ ok: true });
    expect(dialect.parse(first!)).toEqual({
      ok: true,
      deliveries: [
        {
          eventId: JSON.parse(first!.rawBody).id,
          occurredAt: expect.any(String),
          change: { kind: "upsert", record: expect.objectContaining({ external_id: created._id, first_name: "Ola" }) },
        },
      ],
    });
    expect(dialect.parse(second!)).toMatchObject({
      ok: true,
      deliveries: [{ change: { kind: "removal", record: { external_id: created._id, location_ids: [sim.branchId] } } }],
    });
  });

  it("refuses a wrong secret, an altered body, a missing or malformed signature", async () => {
    const dialect = glofoxConnector.webhooks!;
    const body = JSON.stringify({
      id: "e1",
      type: "MEMBER_UPDATED",
      created: 1,
      data: { _id: "m1", active: true, modified: 1 },
    });
    // An independent signer, written from the public format (hex HMAC-SHA256 of the raw body).
    const signature = createHmac("sha256", SECRET).update(body).digest("hex");
    const request = (rawBody: string, sig?: string): InboundWebhook => ({
      method: "POST",
      headers: sig === undefined ? {} : { signature: sig },
      rawBody,
      url: "/webhooks/integrations/int_test",
    });
    expect(await dialect.verify(request(body, signature), [SECRET], 0)).toEqual({ ok: true });
    expect(await dialect.verify(request(body, signature.toUpperCase()), [SECRET], 0)).toEqual({ ok: true });
    for (const bad of [
      request(body, createHmac("sha256", "other").update(body).digest("hex")),
      request(body.replace('"m1"', '"m2"'), signature),
      request(body),
      request(body, "sha256=abc"),
    ]) {
      expect(await dialect.verify(bad, [SECRET], 0)).toMatchObject({ ok: false, status: 401 });
    }
  });

  it("names the field of a malformed delivery and ignores other event types", () => {
    const dialect = glofoxConnector.webhooks!;
    const parse = (body: unknown) =>
      dialect.parse({ method: "POST", headers: {}, rawBody: JSON.stringify(body), url: "/" });
    expect(parse({ id: "e1", type: "MEMBER_UPDATED", created: 1, data: { _id: "m1", modified: 1 } })).toEqual({
      ok: false,
      issues: [{ path: "data.active", message: expect.any(String) }],
    });
    expect(parse({ type: "MEMBER_UPDATED" })).toMatchObject({
      ok: false,
      issues: [{ path: "id" }, { path: "created" }, { path: "data" }],
    });
    expect(parse({ id: "e2", type: "BOOKING_CREATED", created: 1, data: {} })).toMatchObject({
      ok: true,
      deliveries: [{ eventId: "e2", change: { kind: "ignored" } }],
    });
    expect(dialect.parse({ method: "POST", headers: {}, rawBody: "not json", url: "/" })).toMatchObject({ ok: false });
  });
});

describe("Glofox connector: the listing traps meet the source-anomaly brake", () => {
  it("one page then nothing, and a listing shrunk to 10, are held with the reason before anyone is disabled", async () => {
    const sim = await start({ memberCount: 250 });
    const context = contextFor(sim);
    const syncedRows = (await listAll(glofoxConnector, context)).records.length;
    expect(listingAnomaly({ ...(await shapeOf(context)), syncedRows })).toBeNull();

    await control(sim.url, "/traps", { onePageThenNothing: true });
    const onePage = await shapeOf(context);
    expect(onePage).toEqual({ listed: 100, pages: 1, pageSize: GLOFOX_MAX_LIMIT });
    expect(
      decidePassEnd({
        candidates: syncedRows - 100,
        activeRows: syncedRows,
        percent: 100,
        minimum: 1e9,
        listing: onePage,
      }),
    ).toEqual({
      action: "hold",
      brake: "anomaly",
      anomaly: {
        kind: "one-page",
        reason: `The listing returned 100 people on one page, then nothing; the facility has ${syncedRows} synced rows`,
      },
    });

    await control(sim.url, "/traps", { shrinkTo: 10 });
    const shrunk = await shapeOf(context);
    expect(listingAnomaly({ ...shrunk, syncedRows })).toMatchObject({ kind: "shrank" });
  });
});

async function shapeOf(context: ConnectionContext<GlofoxCredentials>) {
  const all = await listAll(glofoxConnector, context);
  return { listed: all.records.length, pages: all.pages, pageSize: GLOFOX_MAX_LIMIT };
}
