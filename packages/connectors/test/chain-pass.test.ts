import { type DemoPartner, type Member, startDemoPartner } from "@uas/demo-partner";
import { accessUser, activityEntry, listPassActivity, syncPass, updateSyncSettings, type Db } from "@uas/db";
import { createFacility, createIntegration, createOrganisation, createTestDb } from "@uas/db/testing";
import {
  type ListingPort,
  type SyncPassRow,
  advancePass,
  getPass,
  runFullPass,
  startChainPasses,
  startPass,
} from "@uas/engine";
import { listingsOf } from "@uas/engine/testing";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { partnerApiConnector } from "../src";

/**
 * A chain's nightly passes (ADR 0020): three facilities of one organisation on one integration, read
 * through the real partner-api connector from the partner simulator over HTTP. The chain reads each
 * listing page once and each facility ends as its own pass would have left it; a listing failure removes
 * nobody anywhere; one facility held by the brake holds no other; Sync now reads for its facility alone.
 */
const API_KEY = "chain-test-key";
const LOCATIONS = ["loc-a", "loc-b", "loc-c"];
const PAGE_SIZE = 40;
const T = Date.UTC(2026, 10, 24, 2);
const DAY = 86_400_000;

let partner: DemoPartner;
let requests = 0;

afterAll(async () => {
  await partner?.close();
});

beforeEach(async () => {
  await partner?.close();
  partner = await startDemoPartner({ apiKey: API_KEY, memberCount: 300, locations: LOCATIONS, seed: 19 });
  requests = 0;
});

const pages = () => Math.ceil(partner.store.list().length / PAGE_SIZE);

function listing(): ListingPort {
  const context = {
    baseUrl: `${partner.url}/`,
    credentials: { apiKey: API_KEY },
    fetch: ((input, init) => {
      requests += 1;
      return fetch(input, init);
    }) as typeof fetch,
    tuning: { pageSize: PAGE_SIZE, retries: 1, minRetryDelayMs: 1, timeoutMs: 5_000 },
  };
  return {
    async fetchPage(cursor) {
      const page = await partnerApiConnector.listPage(context, { locationIds: null, cursor });
      return { records: page.records, nextCursor: page.nextCursor };
    },
  };
}

type Chain = { db: Db; integrationId: string; facilities: string[] };

/** An organisation of three facilities, each mapping one partner location, Integrations on. */
async function chain(settings: { massDisablePercent?: number } = {}): Promise<Chain> {
  const db = await createTestDb();
  const organisation = await createOrganisation(db);
  const facilities: string[] = [];
  for (const [i] of LOCATIONS.entries()) {
    const f = await createFacility(db, { organisationId: organisation.id, name: `Site ${i}` });
    await updateSyncSettings(db, f.id, { integrationsEnabled: true, ...settings }, T);
    facilities.push(f.id);
  }
  const integration = await createIntegration(db, {
    organisationId: organisation.id,
    locations: Object.fromEntries(LOCATIONS.map((loc, i) => [loc, facilities[i] as string])),
  });
  return { db, integrationId: integration.id, facilities };
}

/** The night as the cron starts it now: one start for the chain, its readers stepped to the end. */
async function chainNight(c: Chain, now: number): Promise<SyncPassRow[]> {
  const start = await startChainPasses({
    db: c.db,
    source: "integration",
    trigger: "nightly",
    members: c.facilities.map((facilityId) => ({ facilityId, nightlyDate: new Date(now).toISOString().slice(0, 10) })),
    now,
  });
  expect(start.steps).toHaveLength(1);
  for (const passId of start.steps) {
    await runFullPass({
      db: c.db,
      passId,
      listingFor: listingsOf({ [c.integrationId]: listing() }),
      now: now + 1,
      maxPages: 2,
    });
  }
  return Promise.all(start.passes.map(async (p) => (await getPass(c.db, p.pass.id)) as SyncPassRow));
}

/** The night as it was: each facility's own pass reading the whole listing. */
async function independentNight(c: Chain, now: number): Promise<SyncPassRow[]> {
  const ended: SyncPassRow[] = [];
  for (const facilityId of c.facilities) {
    const { pass } = await startPass({ db: c.db, facilityId, source: "integration", trigger: "nightly", now });
    ended.push(
      await runFullPass({
        db: c.db,
        passId: pass.id,
        listingFor: listingsOf({ [c.integrationId]: listing() }),
        now: now + 1,
        maxPages: 2,
      }),
    );
  }
  return ended;
}

/** What an admin sees of a facility after a pass: the pass's counts and state, its rows, its activity. */
async function seen(db: Db, pass: SyncPassRow) {
  const rows = (await db.select().from(accessUser)).filter((r) => r.facilityId === pass.facilityId);
  const entries = await listPassActivity(db, pass.id);
  return {
    pass: {
      state: pass.state,
      reason: pass.reason,
      added: pass.added,
      updated: pass.updated,
      skipped: pass.skipped,
      disabled: pass.disabled,
      processed: pass.processed,
      pagesDone: pass.pagesDone,
      recordsDone: pass.recordsDone,
      heldCount: pass.heldCount,
      heldSample: pass.heldSample,
    },
    rows: rows
      .map((r) => [
        r.externalId,
        r.firstName,
        r.lastName,
        r.email,
        r.mobilePhone,
        r.membershipStatus,
        r.removedAtSourceAt,
      ])
      .sort(),
    entries: entries
      .filter((e) => e.facilityId !== null)
      .map((e) => [e.externalId, e.outcome, e.reason, e.name, JSON.stringify(e.changes)])
      .sort(),
  };
}

async function unmappedEntries(db: Db) {
  const rows = await db.select().from(activityEntry);
  return rows
    .filter((r) => r.facilityId === null)
    .map((r) => r.externalId)
    .sort();
}

/** The partner's night: some people leave, some change, some join. */
function churn(): void {
  const members = partner.store.list();
  for (const m of members.slice(0, 12)) partner.store.remove(m.external_id);
  for (const m of members.slice(12, 30)) partner.store.upsert({ ...m, last_name: `${m.last_name}-Changed` });
  for (const [i, m] of members.slice(30, 36).entries())
    partner.store.upsert({ ...m, external_id: `M-NEW-${i}`, location_ids: [LOCATIONS[i % 3] as string] });
}

// Two databases and a dozen passes over HTTP: slower than a unit test on a shared machine.
describe("a chain reads its listing once", { timeout: 60_000 }, () => {
  it("reads each page once and leaves every facility as its own pass would, night after night", async () => {
    const together = await chain();
    const apart = await chain();
    let chainedNight: SyncPassRow[] = [];
    for (const [night, now] of [T, T + DAY].entries()) {
      if (night === 1) churn();
      requests = 0;
      const chained = await chainNight(together, now);
      chainedNight = chained;
      expect(requests).toBe(pages());
      requests = 0;
      const alone = await independentNight(apart, now);
      expect(requests).toBe(3 * pages());

      for (const [i, pass] of chained.entries()) {
        expect(pass.state).toBe("complete");
        const facility = await seen(together.db, pass);
        expect(facility.rows.length).toBeGreaterThan(50);
        expect(facility.entries.length).toBeGreaterThan(50);
        expect(facility).toEqual(await seen(apart.db, alone[i] as SyncPassRow));
      }
      expect(await unmappedEntries(together.db)).toEqual(await unmappedEntries(apart.db));
    }
    // The second night's repeated Skipped entries were derived at every site (ADR 0019), as apart.
    for (const pass of chainedNight) {
      const skipped = (await listPassActivity(together.db, pass.id)).filter((e) => e.outcome === "skipped");
      expect(skipped.length).toBeGreaterThan(0);
      const written = (await together.db.select().from(activityEntry)).filter(
        (e) => e.passId === pass.id && e.outcome === "skipped",
      );
      expect(written.length).toBeLessThan(skipped.length);
    }
    // The second night removed and changed people at every site.
    const second = await together.db.select().from(syncPass);
    expect(second.reduce((n, p) => n + p.disabled, 0)).toBeGreaterThan(0);
    expect(second.reduce((n, p) => n + p.updated, 0)).toBeGreaterThan(0);
  });

  it("a failure mid-listing fails every facility's pass and removes nobody", async () => {
    const c = await chain();
    await chainNight(c, T);
    for (const m of partner.store.list().slice(0, 20)) partner.store.remove(m.external_id);
    partner.faults.failPage = { page: 3, status: 503 };
    const ended = await chainNight(c, T + DAY);
    for (const pass of ended) {
      expect(pass.state).toBe("failed");
      expect(pass.reason).toMatch(/Could not read the listing/);
      expect(pass.disabled).toBe(0);
    }
    const removed = (await c.db.select().from(accessUser)).filter((r) => r.removedAtSourceAt !== null);
    expect(removed).toEqual([]);
  });

  it("one facility held by the brake holds no other", async () => {
    const c = await chain();
    await chainNight(c, T);
    // Most of site 0's people leave; sites 1 and 2 lose one or two, under their brakes.
    const onlyA = (m: Member) => m.location_ids.length === 1 && m.location_ids[0] === "loc-a";
    const leaving = partner.store.list().filter(onlyA).slice(0, 30);
    expect(leaving.length).toBeGreaterThan(10);
    for (const m of leaving) partner.store.remove(m.external_id);
    const other = partner.store.list().find((m) => m.location_ids.length === 1 && m.location_ids[0] === "loc-b");
    if (other) partner.store.remove(other.external_id);

    const [a, b, cc] = await chainNight(c, T + DAY);
    expect(a?.state).toBe("held");
    expect(a?.heldCount).toBeGreaterThan(0);
    expect(b?.state).toBe("complete");
    expect(b?.disabled).toBeGreaterThan(0);
    expect(cc?.state).toBe("complete");
    const rowsA = (await c.db.select().from(accessUser)).filter((r) => r.facilityId === c.facilities[0]);
    expect(rowsA.filter((r) => r.removedAtSourceAt !== null)).toEqual([]);
  });

  it("in the Worker, the reader hands the others' pass ends back, and each ends in a step of its own", async () => {
    const c = await chain();
    const start = await startChainPasses({
      db: c.db,
      source: "integration",
      trigger: "nightly",
      members: c.facilities.map((facilityId) => ({ facilityId, nightlyDate: "2026-11-24" })),
      now: T,
    });
    const [reader] = start.steps as [string];
    const due: string[] = [];
    for (let status = "continue"; status === "continue"; ) {
      const result = await advancePass({
        db: c.db,
        passId: reader,
        listingFor: listingsOf({ [c.integrationId]: listing() }),
        maxPages: 3,
        now: T + 1,
        members: "return",
      });
      status = result.status;
      due.push(...result.membersDue);
    }
    const others = start.passes.map((p) => p.pass.id).filter((id) => id !== reader);
    expect(due.sort()).toEqual(others.sort());
    for (const id of others) expect((await getPass(c.db, id))?.state).toBe("running");
    requests = 0;
    for (const id of others) {
      const ended = await runFullPass({ db: c.db, passId: id, listingFor: listingsOf({}), now: T + 2 });
      expect(ended).toMatchObject({ state: "complete", pagesDone: pages() });
    }
    expect(requests).toBe(0);
  });

  it("Sync now runs for its facility alone, reading the listing for it only", async () => {
    const c = await chain();
    await chainNight(c, T);
    requests = 0;
    const [facilityId] = c.facilities as [string];
    const { pass } = await startPass({ db: c.db, facilityId, source: "integration", trigger: "manual", now: T + DAY });
    const ended = await runFullPass({
      db: c.db,
      passId: pass.id,
      listingFor: listingsOf({ [c.integrationId]: listing() }),
      now: T + DAY + 1,
      maxPages: 2,
    });
    expect(ended.state).toBe("complete");
    expect(requests).toBe(pages());
    const manual = (await c.db.select().from(syncPass)).filter((p) => p.trigger === "manual");
    expect(manual.map((p) => p.facilityId)).toEqual([facilityId]);
  });
});
