import type { ConnectionContext, Connector } from "../src/connector";
import { connectorFor } from "../src/registry";
import { accessUser, type Db } from "@uas/db";
import { createSyncedFacility, createTestDb } from "@uas/db/testing";
import { startAbcIgniteSimulator } from "@uas/simulators/abc-ignite";
import { startGlofoxSimulator } from "@uas/simulators/glofox";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ListingPort, runFullPass, startPass } from "@uas/engine";
import { listingsOf } from "@uas/engine/testing";

/**
 * The simulators' listing traps through a real connector and the real pass end (issue 15): a source that
 * answers 2xx with a listing that shrank is held with the reason before anyone is disabled, and a 200 that
 * says it failed fails the pass. The connector is read as the Worker will: one `listPage` per page.
 */
const CONTROL_KEY = "engine-native-traps";
const LOCATION = "loc-1"; // createSyncedFacility maps this location id to the facility

let db: Db;
const running: Array<{ close(): Promise<void> }> = [];
beforeEach(async () => {
  db = await createTestDb();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function listingThrough<C>(connector: Connector<C>, context: ConnectionContext<C>): ListingPort {
  return {
    async fetchPage(cursor) {
      const page = await connector.listPage(context, { locationIds: [LOCATION], cursor });
      return { records: page.records, nextCursor: page.nextCursor };
    },
  };
}

async function trap(url: string, traps: Record<string, unknown>) {
  const res = await fetch(`${url}/control/traps`, {
    method: "POST",
    headers: { Authorization: `Bearer ${CONTROL_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify(traps),
  });
  expect(res.status).toBe(200);
}

async function passWith(facilityId: string, integrationId: string, listing: ListingPort, now: number) {
  const { pass } = await startPass({ db, facilityId, source: "integration", trigger: "manual", now });
  return runFullPass({ db, passId: pass.id, listingFor: listingsOf({ [integrationId]: listing }), now: now + 1 });
}

const T = Date.UTC(2026, 10, 24, 12);
const removed = async (facilityId: string) =>
  (await db.select().from(accessUser)).filter((row) => row.facilityId === facilityId && row.removedAtSourceAt !== null)
    .length;

describe("the simulators' traps meet the pass end", () => {
  it("Glofox: a listing shrunk to 10 is held with the reason; success: false fails the pass; nobody is removed", async () => {
    const sim = await startGlofoxSimulator({
      port: 0,
      controlKey: CONTROL_KEY,
      credentials: [{ apiKey: "k", apiToken: "t" }],
      branchId: LOCATION,
      memberCount: 120,
      rateLimitPerSecond: 1000,
    });
    running.push(sim);
    // A threshold that would let any removal through: only the anomaly brake can hold.
    const { facility, integration } = await createSyncedFacility(db, {
      massDisablePercent: 100,
      massDisableMinimum: 1,
    });
    const context = { baseUrl: sim.apiBaseUrl, credentials: { apiKey: "k", apiToken: "t", branchId: LOCATION }, fetch };
    const listing = listingThrough(connectorFor("glofox"), context);
    const active = sim.branch.store.list().filter((m) => m.active).length;

    const first = await passWith(facility.id, integration.id, listing, T);
    // A member with neither email nor phone is Skipped (Require identifier), so has no row.
    expect(first).toMatchObject({ state: "complete", recordsDone: active });
    const synced = first.added;

    await trap(sim.url, { shrinkTo: 10 });
    const shrunk = await passWith(facility.id, integration.id, listing, T + 10_000);
    expect(shrunk).toMatchObject({
      state: "held",
      disabled: 0,
      reason: `The listing returned 10 people; the facility has ${synced} synced rows`,
    });

    expect(shrunk.heldCount).toBeGreaterThanOrEqual(synced - 10);

    await trap(sim.url, { successFalse: { message: "Internal error" } });
    const failed = await passWith(facility.id, integration.id, listing, T + 20_000);
    expect(failed).toMatchObject({ state: "failed", disabled: 0 });
    expect(failed.reason).toMatch(/said the request failed: Internal error/);
    expect(await removed(facility.id)).toBe(0);
  });

  it("ABC Ignite: one page then nothing is held; an empty list with a reason fails the pass; nobody is removed", async () => {
    const sim = await startAbcIgniteSimulator({
      port: 0,
      controlKey: CONTROL_KEY,
      credentials: [{ appId: "a", appKey: "k" }],
      clubNumber: LOCATION,
      memberCount: 700,
    });
    running.push(sim);
    const { facility, integration } = await createSyncedFacility(db, {
      massDisablePercent: 100,
      massDisableMinimum: 1,
    });
    const credentials = { appId: "a", appKey: "k", clubNumber: LOCATION, clubTimeZone: "America/Chicago" };
    const listing = listingThrough(connectorFor("abc-ignite"), { baseUrl: sim.apiBaseUrl, credentials, fetch });
    const active = sim.club.store.list().filter((m) => m.isActive).length;

    const first = await passWith(facility.id, integration.id, listing, T);
    expect(first).toMatchObject({ state: "complete", recordsDone: active });
    const synced = first.added;

    await trap(sim.url, { onePageThenNothing: true });
    const onePage = await passWith(facility.id, integration.id, listing, T + 10_000);
    expect(onePage).toMatchObject({
      state: "held",
      disabled: 0,
      reason: `The listing returned 200 people; the facility has ${synced} synced rows`,
    });

    expect(onePage.heldCount).toBeGreaterThanOrEqual(synced - 200);

    await trap(sim.url, { emptyWithReason: { message: "Club data is being refreshed" } });
    const failed = await passWith(facility.id, integration.id, listing, T + 20_000);
    expect(failed).toMatchObject({ state: "failed", disabled: 0 });
    expect(failed.reason).toMatch(/no members and the reason "Club data is being refreshed"/);
    expect(await removed(facility.id)).toBe(0);
  }, 30_000);
});
