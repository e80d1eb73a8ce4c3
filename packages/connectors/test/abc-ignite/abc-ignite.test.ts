import {
  startAbcIgniteSimulator,
  type AbcIgniteSimulator,
  type AbcIgniteSimulatorOptions,
} from "@uas/simulators/abc-ignite";
import { afterEach, describe, expect, it } from "vitest";
import { ConnectorError, type ConnectionContext } from "../../src/connector";
import { decidePassEnd, listingAnomaly } from "@uas/domain";
import { ABC_MAX_SIZE, abcIgniteConnector } from "../../src/abc-ignite/index";
import { formatClubTime, parseClubTime } from "../../src/abc-ignite/club-time";
import type { AbcCredentials } from "../../src/abc-ignite/schema";
import { connectorFor } from "../../src/registry";
import { CONTROL_KEY, control, countingFetch, listAll } from "../helpers";

const KEYS = { appId: "abc-app", appKey: "abc-key" };
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});

async function start(options: Partial<AbcIgniteSimulatorOptions> = {}): Promise<AbcIgniteSimulator> {
  const sim = await startAbcIgniteSimulator({
    port: 0,
    controlKey: CONTROL_KEY,
    credentials: [KEYS],
    memberCount: 40,
    ...options,
  });
  running.push(sim);
  return sim;
}

function contextFor(
  sim: AbcIgniteSimulator,
  overrides: Partial<AbcCredentials> = {},
  tuning: ConnectionContext["tuning"] = {},
): ConnectionContext<AbcCredentials> & { calls: () => number } {
  const counted = countingFetch();
  return {
    baseUrl: sim.apiBaseUrl,
    credentials: { ...KEYS, clubNumber: sim.clubNumber, clubTimeZone: "America/Chicago", ...overrides },
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

const activeIds = (sim: AbcIgniteSimulator) =>
  sim.club.store
    .list()
    .filter((m) => m.isActive)
    .map((m) => m.memberId);

describe("ABC Ignite connector: listing", () => {
  it("is registered, has no webhooks, and pages to the last page with only active members", async () => {
    const sim = await start({ memberCount: 450 });
    expect(connectorFor("abc-ignite")).toMatchObject({ system: "abc-ignite", fetchOne: abcIgniteConnector.fetchOne });
    expect(abcIgniteConnector.webhooks).toBeUndefined();
    const context = contextFor(sim);
    const all = await listAll(abcIgniteConnector, context);
    expect(all.records.map((r) => r.external_id).sort()).toEqual(activeIds(sim).sort());
    expect(all.pages).toBe(Math.ceil(activeIds(sim).length / 200));
    expect(context.calls()).toBe(all.pages);
    const sample = sim.club.store.list().find((m) => m.isActive && !m.isPastDue)!;
    expect(all.records.find((r) => r.external_id === sample.memberId)).toEqual({
      external_id: sample.memberId,
      first_name: sample.firstName,
      last_name: sample.lastName,
      email: sample.email,
      mobile_phone: sample.primaryPhone,
      person_type: sample.joinStatus,
      membership_status: sample.memberStatus,
      tags: [sample.membershipType],
      location_ids: [sim.clubNumber],
      updated_at: new Date(sample.modifiedMs).toISOString(),
    });
  });

  it("asks for deltas on the club's own clock: changes as records, inactive members as removals", async () => {
    const sim = await start();
    const since = new Date(Date.now() - 2000).toISOString();
    const [kept, leaver] = sim.club.store.list().filter((m) => m.isActive);
    await control(sim.url, "/members", { memberId: kept!.memberId, isPastDue: true, memberStatus: "Active" });
    await control(sim.url, "/members", { memberId: leaver!.memberId, isActive: false, memberStatus: "Cancelled" });
    const delta = await listAll(abcIgniteConnector, contextFor(sim), { locationIds: null, since });
    expect(delta.records).toEqual([
      expect.objectContaining({ external_id: kept!.memberId, membership_status: "Active, past due" }),
    ]);
    expect(delta.removals).toEqual([
      { external_id: leaver!.memberId, location_ids: [sim.clubNumber], updated_at: expect.any(String) },
    ]);
    // The trap of a wrong club zone: the same delta asked on UTC's wall clock (six hours ahead of
    // Chicago) finds nothing. The zone is part of the connection for that reason (ADR 0018).
    const wrongZone = await listAll(abcIgniteConnector, contextFor(sim, { clubTimeZone: "UTC" }), {
      locationIds: null,
      since,
    });
    expect(wrongZone.records).toEqual([]);
  });

  it("keeps a delta's range end fixed across pages", async () => {
    const sim = await start({ memberCount: 30 });
    const since = new Date(Date.now() - 2000).toISOString();
    const ids = sim.club.store
      .list()
      .filter((m) => m.isActive)
      .slice(0, 5)
      .map((m) => m.memberId);
    for (const memberId of ids) await control(sim.url, "/members", { memberId, firstName: "Changed" });
    const first = await abcIgniteConnector.listPage(contextFor(sim, {}, { pageSize: 2 }), {
      locationIds: null,
      cursor: null,
      since,
    });
    expect(first.nextCursor).toMatch(/^2@\d+$/);
    const all = await listAll(abcIgniteConnector, contextFor(sim, {}, { pageSize: 2 }), { locationIds: null, since });
    expect(all.records.map((r) => r.external_id).sort()).toEqual([...ids].sort());
  });

  it("lists nothing for a facility mapped to other clubs", async () => {
    const sim = await start();
    const page = await abcIgniteConnector.listPage(contextFor(sim), { locationIds: ["1234"], cursor: null });
    expect(page).toEqual({ records: [], nextCursor: null, calls: 0 });
  });
});

describe("ABC Ignite connector: one member, errors and the trap", () => {
  it("fetches one member; an unknown or inactive one is null", async () => {
    const sim = await start();
    const [one, two] = sim.club.store.list().filter((m) => m.isActive);
    const context = contextFor(sim);
    expect(await abcIgniteConnector.fetchOne(context, one!.memberId)).toMatchObject({ external_id: one!.memberId });
    expect(await abcIgniteConnector.fetchOne(context, "f".repeat(32))).toBeNull();
    await control(sim.url, "/members", { memberId: two!.memberId, isActive: false });
    expect(await abcIgniteConnector.fetchOne(context, two!.memberId)).toBeNull();
  });

  it("Test connection words wrong keys, an unknown club, a club not granted and no permission", async () => {
    const sim = await start({
      otherClubNumbers: ["7777"],
      credentials: [KEYS, { appId: "ro", appKey: "ro", canReadMembers: false }],
    });
    await expect(abcIgniteConnector.testConnection(contextFor(sim))).resolves.toBeUndefined();
    expect(await problemOf(abcIgniteConnector.testConnection(contextFor(sim, { appKey: "x" })))).toMatchObject({
      problem: "wrong-credentials",
      status: 401,
    });
    expect(await problemOf(abcIgniteConnector.testConnection(contextFor(sim, { clubNumber: "1" })))).toMatchObject({
      problem: "wrong-account",
      status: 404,
    });
    expect(await problemOf(abcIgniteConnector.testConnection(contextFor(sim, { clubNumber: "7777" })))).toMatchObject({
      problem: "no-permission",
      status: 403,
    });
    const ro = await problemOf(abcIgniteConnector.testConnection(contextFor(sim, { appId: "ro", appKey: "ro" })));
    expect(ro.message).toMatch(/permission to read members/);
    expect(
      abcIgniteConnector.credentialsSchema.safeParse({ ...KEYS, clubNumber: "9003", clubTimeZone: "Mars/Base" }),
    ).toMatchObject({ success: false, error: { issues: [{ path: ["clubTimeZone"] }] } });
  });

  it("retries 429 and 5xx; when they do not end, rate-limited and source-error", async () => {
    const sim = await start({ rateLimitPerSecond: 2 });
    const all = await listAll(abcIgniteConnector, contextFor(sim, {}, { pageSize: 10 }));
    expect(all.records.length).toBe(activeIds(sim).length);
    expect(all.calls).toBeGreaterThan(all.pages);
    const limited = await problemOf(
      Promise.all([1, 2, 3].map(() => abcIgniteConnector.testConnection(contextFor(sim, {}, { retries: 0 })))),
    );
    expect(limited).toMatchObject({ problem: "rate-limited", status: 429 });

    const outage = await start();
    await control(outage.url, "/traps", { failNext: { status: 503, times: 1 } });
    expect((await abcIgniteConnector.listPage(contextFor(outage), { locationIds: null, cursor: null })).calls).toBe(2);
    await control(outage.url, "/traps", { failNext: { status: 500, times: 5 } });
    const failed = await problemOf(
      abcIgniteConnector.listPage(contextFor(outage, {}, { retries: 1 }), { locationIds: null, cursor: null }),
    );
    expect(failed).toMatchObject({ problem: "source-error", status: 500 });
  }, 30_000);

  it("the trap: a 200 with no members and a reason in status.message is a failure, never an empty club", async () => {
    const sim = await start();
    await control(sim.url, "/traps", { emptyWithReason: { message: "Club data is being refreshed" } });
    const failed = await problemOf(abcIgniteConnector.listPage(contextFor(sim), { locationIds: null, cursor: null }));
    expect(failed).toEqual({
      problem: "source-error",
      status: 200,
      message: 'ABC Ignite answered 200 with no members and the reason "Club data is being refreshed"',
    });
    expect(await problemOf(abcIgniteConnector.testConnection(contextFor(sim)))).toMatchObject({
      problem: "source-error",
    });
    // An empty delta says "success": that is no change, not a failure.
    await control(sim.url, "/traps", {});
    const quiet = await abcIgniteConnector.listPage(contextFor(sim), {
      locationIds: null,
      cursor: null,
      since: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(quiet).toMatchObject({ records: [], removals: [], nextCursor: null });
  });
});

describe("ABC Ignite connector: status vocabulary and club time", () => {
  it("maps memberStatus and isPastDue to the product's labels", () => {
    expect(
      ["Active", "Frozen", "Cancelled", "Expired", "Inactive", "Active, past due", "Frozen, past due"].map(
        abcIgniteConnector.statusLabel,
      ),
    ).toEqual(["Active", "On hold", "Cancelled", "Expired", "Inactive", "Past Due", "Past Due"]);
  });

  it("formats and reads club-local times across a DST change", () => {
    const zone = "America/Chicago";
    // 2026-03-08 02:00 local does not exist in Chicago (clocks jump to 03:00); 2026-11-01 01:30 happens twice.
    for (const iso of [
      "2026-03-08T07:59:59Z",
      "2026-03-08T08:00:00Z",
      "2026-11-01T06:30:00Z",
      "2026-07-01T12:00:00Z",
    ]) {
      const ms = Date.parse(iso);
      expect(parseClubTime(formatClubTime(ms, zone), zone)).toBeLessThanOrEqual(ms);
    }
    expect(formatClubTime(Date.parse("2026-07-01T12:00:00Z"), zone)).toBe("2026-07-01 07:00:00.000000");
    expect(parseClubTime("2026-01-15 08:30:00.000000", zone)).toBe(Date.parse("2026-01-15T14:30:00Z"));
    expect(parseClubTime("2026-11-01 01:30:00.000000", zone)).toBe(Date.parse("2026-11-01T06:30:00Z"));
    expect(parseClubTime("yesterday", zone)).toBeNaN();
  });

  it("formats every second around DST changes as Intl does, zone by zone (the offset is cached per quarter hour)", () => {
    const cases: Array<[string, string]> = [
      ["America/Chicago", "2026-03-08T08:00:00Z"],
      ["America/Chicago", "2026-11-01T07:00:00Z"],
      ["Australia/Lord_Howe", "2026-04-04T15:00:00Z"],
      ["Asia/Kathmandu", "2026-06-01T00:00:00Z"],
      ["Europe/London", "2026-10-25T01:00:00Z"],
    ];
    for (const [zone, iso] of cases) {
      const independent = new Intl.DateTimeFormat("sv-SE", {
        timeZone: zone,
        dateStyle: "short",
        timeStyle: "medium",
        hourCycle: "h23",
      });
      const at = Date.parse(iso);
      for (let ms = at - 20 * 60_000; ms <= at + 20 * 60_000; ms += 7_000 + 123) {
        expect(formatClubTime(ms, zone)).toBe(`${independent.format(new Date(ms))}.000000`);
      }
    }
  });
});

describe("ABC Ignite connector: the listing traps meet the source-anomaly brake", () => {
  it("one page then nothing, and a listing shrunk to 30, are held with the reason before anyone is disabled", async () => {
    const sim = await start({ memberCount: 600 });
    const context = contextFor(sim);
    const syncedRows = (await listAll(abcIgniteConnector, context)).records.length;
    expect(listingAnomaly({ ...(await shapeOf(context)), syncedRows })).toBeNull();

    await control(sim.url, "/traps", { onePageThenNothing: true });
    const onePage = await shapeOf(context);
    expect(onePage).toEqual({ listed: 200, pages: 1, pageSize: ABC_MAX_SIZE });
    const decision = decidePassEnd({
      candidates: syncedRows - 200,
      activeRows: syncedRows,
      percent: 100,
      minimum: 1e9,
      listing: onePage,
    });
    expect(decision).toMatchObject({ action: "hold", brake: "anomaly", anomaly: { kind: "one-page" } });

    await control(sim.url, "/traps", { shrinkTo: 30 });
    const shrunk = await shapeOf(context);
    expect(listingAnomaly({ ...shrunk, syncedRows })?.reason).toBe(
      `The listing returned ${shrunk.listed} people; the facility has ${syncedRows} synced rows`,
    );
  });
});

async function shapeOf(context: ConnectionContext<AbcCredentials>) {
  const all = await listAll(abcIgniteConnector, context);
  return { listed: all.records.length, pages: all.pages, pageSize: ABC_MAX_SIZE };
}
