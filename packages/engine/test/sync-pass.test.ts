import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import {
  accessUser,
  activityEntry,
  lastSyncedOf,
  passSyncedTimes,
  syncPass,
  updateSyncSettings,
  setFacilityIntegration,
  type Db,
} from "@uas/db";
import { advancePass, failPass, getPass, runFullPass, startPass, type ListingPort } from "../src";
import { createFacility, createIntegration, createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { listingsOf, memoryListing } from "../src/testing";
import { T, entriesOf, integrationPass, members, rowsByExternalId } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

describe("a full pass", () => {
  it("adds, then finds nothing to change, with one activity entry per record", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(7);
    const first = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T,
    });
    expect(first).toMatchObject({
      state: "complete",
      trigger: "manual",
      added: 7,
      processed: 0,
      pagesDone: 3,
      recordsDone: 7,
    });
    expect(first.endedAt).toBeGreaterThanOrEqual(first.startedAt);
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T + 60_000,
    });
    expect(second).toMatchObject({ state: "complete", added: 0, updated: 0, processed: 7, disabled: 0 });
    expect((await entriesOf(db, second.id)).map((e) => e.outcome)).toEqual(Array(7).fill("processed"));
    const rows = await rowsByExternalId(db, facility.id);
    expect(rows.size).toBe(7);
    // Unchanged: the row is not written (ADR 0019); its last-synced time is the second pass's page record's.
    const m0 = rows.get("M-000");
    expect(m0).toMatchObject({ version: 1 });
    const passSynced = await passSyncedTimes(db, facility.id, [m0?.id ?? ""]);
    expect(lastSyncedOf(m0?.lastSyncedAt ?? null, passSynced.get(m0?.id ?? ""))).toBe(T + 60_001);
  });

  it("stores partner text exactly, quotes and all (control characters stripped where text enters, ADR 0013)", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const hostile = "O'Brien'); DROP TABLE access_user; --";
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: [member("Q'1", { last_name: hostile, tags: ["it's", "\u0000nul"] })],
      now: T,
    });
    expect(pass.added).toBe(1);
    expect((await rowsByExternalId(db, facility.id)).get("Q'1")).toMatchObject({
      lastName: hostile,
      syncedTags: ["it's", "nul"],
    });
  });

  it("updates changed rows and lists each changed field", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(3), now: T });
    const changed = members(3, (i) => (i === 1 ? { last_name: "King", updated_at: "2026-11-24T10:00:00Z" } : {}));
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: changed,
      now: T + 1000,
    });
    expect(pass).toMatchObject({ updated: 1, processed: 2 });
    const [updated] = (await entriesOf(db, pass.id)).filter((e) => e.outcome === "updated");
    expect(updated?.changes).toEqual([{ field: "lastName", from: "Member M-001", to: "King" }]);
    expect((await rowsByExternalId(db, facility.id)).get("M-001")).toMatchObject({ lastName: "King", version: 2 });
  });

  it("a person absent from a complete listing is disabled, kept, and comes back with access unless the admin switched it off", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const everyone = members(30);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: everyone, now: T });
    const idOf = async (externalId: string) => (await rowsByExternalId(db, facility.id)).get(externalId)?.id ?? "";
    await db
      .update(accessUser)
      .set({ accessEnabled: false })
      .where(eq(accessUser.id, await idOf("M-002")));

    const without = everyone.filter((_, i) => i !== 1 && i !== 2);
    const removal = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: without,
      now: T + 1000,
    });
    expect(removal).toMatchObject({ state: "complete", disabled: 2, processed: 28 });
    const disabledEntries = (await entriesOf(db, removal.id)).filter((e) => e.outcome === "disabled");
    expect(disabledEntries.map((e) => [e.externalId, e.reason])).toEqual([
      ["M-001", "No longer in the source's listing for this facility"],
      ["M-002", "No longer in the source's listing for this facility"],
    ]);
    let rows = await rowsByExternalId(db, facility.id);
    expect(rows.size).toBe(30);
    expect(rows.get("M-001")).toMatchObject({ removedAtSourceAt: T + 1001, accessEnabled: true });

    const back = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: everyone,
      now: T + 2000,
    });
    expect(back).toMatchObject({ updated: 2, processed: 28 });
    rows = await rowsByExternalId(db, facility.id);
    expect(rows.get("M-001")).toMatchObject({ removedAtSourceAt: null, accessEnabled: true });
    expect(rows.get("M-002")).toMatchObject({ removedAtSourceAt: null, accessEnabled: false });
  });

  it("never sweeps decoupled rows, manual rows, or another integration's rows", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const other = await createIntegration(db, { organisationId: facility.organisationId, locations: {} });
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(30), now: T });
    await db.update(accessUser).set({ trackSourceUpdates: false }).where(eq(accessUser.externalId, "M-000"));
    await db.insert(accessUser).values([
      { id: "manual-1", facilityId: facility.id, source: "manual", createdAt: T, updatedAt: T },
      {
        id: "other-1",
        facilityId: facility.id,
        source: "integration",
        integrationId: other.id,
        externalId: "M-001",
        createdAt: T,
        updatedAt: T,
      },
    ]);
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: members(30).slice(1),
      now: T + 1000,
    });
    expect(pass.disabled).toBe(0);
    const all = await db.select().from(accessUser).where(eq(accessUser.facilityId, facility.id));
    expect(all.filter((row) => row.removedAtSourceAt !== null)).toEqual([]);
  });

  it("a record skipped for a missing identifier leaves its row exactly as it is, and not swept", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(3), now: T });
    const before = (await rowsByExternalId(db, facility.id)).get("M-001");
    const records = members(3, (i) =>
      i === 1 ? { email: null, mobile_phone: "12345", last_name: "New", updated_at: "2026-11-24T10:00:00Z" } : {},
    );
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T + 1000,
    });
    const skipped = (await entriesOf(db, pass.id)).find((e) => e.outcome === "skipped");
    expect(skipped?.reason).toBe(
      "No phone or email on the record (a phone or email is required to log in); the phone on the record is not a valid phone number",
    );
    const after = (await rowsByExternalId(db, facility.id)).get("M-001");
    expect({ ...after, seenPassId: null }).toEqual({ ...before, seenPassId: null });
    expect(pass.disabled).toBe(0);
  });

  it("a member moved to another facility's location is removed here at the end of the pass", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const elsewhere = await createFacility(db, { organisationId: facility.organisationId });
    await db
      .insert((await import("@uas/db")).integrationLocation)
      .values({ integrationId: integration.id, locationId: "loc-2", facilityId: elsewhere.id });
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(30), now: T });
    const moved = members(30, (i) => (i === 0 ? { location_ids: ["loc-2"], updated_at: "2026-11-24T10:00:00Z" } : {}));
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: moved,
      now: T + 1000,
    });
    expect(pass).toMatchObject({ disabled: 1, processed: 29 });
    expect((await rowsByExternalId(db, facility.id)).get("M-000")?.removedAtSourceAt).toBe(T + 1001);
    expect((await rowsByExternalId(db, elsewhere.id)).size).toBe(0);
  });

  it("writes one unmapped entry per record per pass, with no facility and the integration", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: [member("M-1"), member("X-1", { location_ids: ["loc-closed"] }), member("X-2", { location_ids: [] })],
      now: T,
    });
    const unmapped = (await entriesOf(db, pass.id)).filter((e) => e.facilityId === null);
    expect(unmapped.map((e) => [e.externalId, e.outcome, e.reason, e.integrationId])).toEqual([
      ["X-1", "skipped", "No facility on the source record", integration.id],
      ["X-2", "skipped", "No facility on the source record", integration.id],
    ]);
    expect(pass).toMatchObject({ added: 1, skipped: 2 });
  });

  it("records failing the contract are Skipped entries, not a crash, and their rows are not swept", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(20), now: T });
    const records: unknown[] = members(20);
    records[0] = { ...member("M-000"), updated_at: "not a date" };
    records.push("garbage", { external_id: 42 });
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T + 1000,
    });
    expect(pass).toMatchObject({ state: "complete", skipped: 3, processed: 19, disabled: 0 });
    const invalid = (await entriesOf(db, pass.id)).filter((e) => e.outcome === "skipped");
    expect(invalid.map((e) => e.externalId)).toEqual(["M-000", "", ""]);
    expect(invalid[0]?.reason).toMatch(/^The source record does not match the contract \(updated_at: /);
  });

  it("reads every integration the facility mirrors, each with its own cursor, and sweeps only those", async () => {
    const facility = await createFacility(db);
    const organisationId = facility.organisationId;
    await updateSyncSettings(db, facility.id, { integrationsEnabled: true }, T);
    const first = await createIntegration(db, { id: "int_a", organisationId, locations: { "loc-1": facility.id } });
    const second = await createIntegration(db, { id: "int_b", organisationId, locations: { "loc-b": facility.id } });
    const optedOut = await createIntegration(db, { id: "int_c", organisationId, locations: { "loc-c": facility.id } });
    await setFacilityIntegration(db, { facilityId: facility.id, integrationId: optedOut.id, enabled: false });
    await db.insert(accessUser).values({
      id: "kept",
      facilityId: facility.id,
      source: "integration",
      integrationId: optedOut.id,
      externalId: "C-1",
      createdAt: T,
      updatedAt: T,
    });
    const { pass } = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "nightly",
      now: T,
      nightlyDate: "2026-11-24",
    });
    const listings = listingsOf({
      [first.id]: memoryListing(members(5), { pageSize: 2 }),
      [second.id]: memoryListing([member("B-1", { location_ids: ["loc-b"] })], { pageSize: 2 }),
    });
    const step = await advancePass({ db, passId: pass.id, listingFor: listings, maxPages: 2, now: T + 1 });
    expect(step.status).toBe("continue");
    expect(step.pass.progress).toMatchObject({
      targets: [
        { integrationId: "int_a", cursor: "4", done: false },
        { integrationId: "int_b", cursor: null, done: false },
      ],
    });
    let result = step;
    while (result.status === "continue")
      result = await advancePass({ db, passId: pass.id, listingFor: listings, maxPages: 2, now: T + 2 });
    expect(result.pass).toMatchObject({
      state: "complete",
      added: 6,
      pagesDone: 4,
      nightlyDate: "2026-11-24",
      trigger: "nightly",
    });
    expect((await rowsByExternalId(db, facility.id)).get("C-1")?.removedAtSourceAt).toBeNull();
  });
});

describe("a CCTV pass", () => {
  it("reads the facility's people listing, with the CCTV sentence when the source is off", async () => {
    const { facility } = await createSyncedFacility(db);
    const person = (id: string) => ({
      person_id: id,
      first_name: "Grace",
      last_name: id,
      email: null,
      mobile_phone: "+44 7911 123456",
      updated_at: "2026-11-24T09:00:00Z",
    });
    const cctvPass = async (records: unknown[], now: number) => {
      const { pass } = await startPass({ db, facilityId: facility.id, source: "cctv", trigger: "manual", now });
      return runFullPass({ db, passId: pass.id, listingFor: listingsOf({ "": memoryListing(records) }), now: now + 1 });
    };
    expect(await cctvPass([person("cv-1"), person("cv-2")], T)).toMatchObject({
      state: "complete",
      source: "cctv",
      added: 2,
    });
    expect((await rowsByExternalId(db, facility.id)).get("cv-1")).toMatchObject({
      source: "cctv",
      integrationId: null,
      mobilePhone: "+447911123456",
    });
    expect(await cctvPass([person("cv-1")], T + 1000)).toMatchObject({ processed: 1, disabled: 1 });
    await updateSyncSettings(db, facility.id, { cctvEnabled: false }, T);
    const off = await cctvPass([person("cv-1")], T + 2000);
    expect((await entriesOf(db, off.id)).map((e) => e.reason)).toEqual([
      "CCTV/Computer Vision sync is turned off for this facility",
    ]);
  });
});

describe("duplicate steps", () => {
  it("a step whose page another step already applied leaves it alone: nothing is counted twice", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const { pass } = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    const plain = memoryListing(members(6), { pageSize: 2 });
    const listingFor = listingsOf({ [integration.id]: plain });
    let raced = false;
    // The first fetch lets a duplicate queue message run a step before this one writes its page.
    const racing: ListingPort = {
      async fetchPage(cursor) {
        if (!raced) {
          raced = true;
          await advancePass({ db, passId: pass.id, listingFor, maxPages: 1, now: T + 1 });
        }
        return plain.fetchPage(cursor);
      },
    };
    const done = await runFullPass({
      db,
      passId: pass.id,
      listingFor: listingsOf({ [integration.id]: racing }),
      now: T + 2,
    });
    expect(done).toMatchObject({ state: "complete", added: 6, pagesDone: 3, recordsDone: 6 });
    expect(await db.$count(activityEntry)).toBe(6);
  });
});

describe("a pass that fails", () => {
  it("stops at the failing page, is marked failed with a reason, and removes nobody", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const everyone = members(12);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: everyone, now: T });
    const before = await db.select().from(accessUser);
    // The second listing has lost most people (a partner outage answered with partial data), then throws at page 2.
    const changed = everyone
      .slice(0, 4)
      .map((m, i) => (i === 0 ? { ...m, last_name: "Changed", updated_at: "2026-11-24T10:00:00Z" } : m));
    const failing: ListingPort = memoryListing(changed, { pageSize: 2, failAtPage: 1 });
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      listing: failing,
      now: T + 1000,
    });
    expect(pass).toMatchObject({
      state: "failed",
      reason: "Could not read the listing: partner answered 503",
      pagesDone: 1,
      disabled: 0,
    });
    const after = await db.select().from(accessUser);
    expect(after.filter((row) => row.removedAtSourceAt !== null)).toEqual([]);
    // Apart from the page already applied (an idempotent re-application), every row is as it was.
    const changedBefore = new Set(["M-000", "M-001"]);
    const strip = (row: (typeof before)[number]) => ({ ...row, seenPassId: null, lastSyncedAt: null });
    expect(after.filter((r) => !changedBefore.has(r.externalId ?? "")).map(strip)).toEqual(
      before.filter((r) => !changedBefore.has(r.externalId ?? "")).map(strip),
    );
    expect(after.find((r) => r.externalId === "M-000")?.lastName).toBe("Changed");
  });

  it("a database error fails the pass too", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const { pass } = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    await db.run(
      (await import("drizzle-orm"))
        .sql`CREATE TRIGGER boom BEFORE INSERT ON access_user BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    const result = await advancePass({
      db,
      passId: pass.id,
      listingFor: listingsOf({ [integration.id]: memoryListing(members(2)) }),
      maxPages: 5,
      now: T + 1,
    });
    expect(result.pass.state).toBe("failed");
    expect(result.pass.reason).toBe("Could not apply the listing: disk full");
  });

  it("with onError: throw, the step throws and the pass stays running for a retry", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const { pass } = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    const listings = listingsOf({ [integration.id]: memoryListing(members(4), { pageSize: 2, failAtPage: 1 }) });
    await expect(
      advancePass({ db, passId: pass.id, listingFor: listings, maxPages: 5, now: T + 1, onError: "throw" }),
    ).rejects.toThrow(/503/);
    expect((await getPass(db, pass.id))?.state).toBe("running");
    await failPass({ db, passId: pass.id, reason: "gave up after retries", now: T + 2 });
    expect(await getPass(db, pass.id)).toMatchObject({
      state: "failed",
      reason: "gave up after retries",
      endedAt: T + 2,
    });
  });
});

describe("passes", () => {
  it("one running pass per facility and source: starting again returns the running one", async () => {
    const { facility } = await createSyncedFacility(db);
    const first = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    const again = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "nightly",
      now: T + 1,
    });
    const cctv = await startPass({ db, facilityId: facility.id, source: "cctv", trigger: "manual", now: T + 2 });
    expect(first.started).toBe(true);
    expect(again).toEqual({ pass: first.pass, started: false });
    expect(cctv.started).toBe(true);
    expect(await db.$count(syncPass)).toBe(2);
  });

  it("a running pass that stopped making progress is failed and replaced", async () => {
    const { facility } = await createSyncedFacility(db);
    const first = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    const later = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "manual",
      now: T + 31 * 60_000,
    });
    expect(later.started).toBe(true);
    expect(await getPass(db, first.pass.id)).toMatchObject({ state: "failed" });
  });

  it("a nightly pass starts once per facility-local day", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const { pass } = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "nightly",
      now: T,
      nightlyDate: "2026-11-24",
    });
    await advancePass({
      db,
      passId: pass.id,
      listingFor: listingsOf({ [integration.id]: memoryListing([]) }),
      maxPages: 5,
      now: T + 2,
    });
    const again = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "nightly",
      now: T + 3,
      nightlyDate: "2026-11-24",
    });
    expect(again).toMatchObject({ started: false, pass: { id: pass.id } });
  });

  it("reads a pass back with its counts and its listings' progress", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const a = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: members(1),
      now: T,
    });
    const b = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: members(1),
      now: T + 10,
    });
    expect(await getPass(db, b.id)).toMatchObject({ id: b.id, processed: 1 });
    expect(await getPass(db, a.id)).toMatchObject({
      id: a.id,
      added: 1,
      progress: { targets: [{ integrationId: integration.id, done: true }] },
    });
  });

  it("with the source turned off, records are Skipped and nobody is removed", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(10), now: T });
    await updateSyncSettings(db, facility.id, { integrationsEnabled: false }, T);
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: members(2),
      now: T + 1000,
    });
    expect(pass).toMatchObject({
      state: "complete",
      skipped: 2,
      disabled: 0,
      reason: "Integration sync is turned off for this facility, so nobody was removed",
    });
    const entries = await db.select().from(activityEntry).where(eq(activityEntry.passId, pass.id));
    expect(entries.map((e) => e.reason)).toEqual(Array(2).fill("Integration sync is turned off for this facility"));
  });
});
