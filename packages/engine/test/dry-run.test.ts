import { beforeEach, describe, expect, it } from "vitest";
import { accessUser, activityEntry, syncPass, type Db } from "@uas/db";
import { dryRunPass } from "../src";
import { createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { listingsOf, memoryListing } from "../src/testing";
import { T, integrationPass, members } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

async function snapshot() {
  return {
    users: await db.select().from(accessUser),
    entries: await db.select().from(activityEntry),
    passes: await db.select().from(syncPass),
  };
}

describe("dry run", () => {
  it("computes the pass's counts and samples, and writes nothing", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(20), now: T });
    const before = await snapshot();
    const listing = [
      ...members(18, (i) => (i === 0 ? { last_name: "King", updated_at: "2026-11-24T10:00:00Z" } : {})),
      member("NEW-1"),
      member("NEW-2", { email: null }),
    ];
    const result = await dryRunPass({
      db,
      facilityId: facility.id,
      source: "integration",
      listingFor: listingsOf({ [integration.id]: memoryListing(listing, { pageSize: 4 }) }),
      now: T + 1000,
      sampleSize: 2,
    });
    expect(result.counts).toEqual({ added: 1, updated: 1, skipped: 1, disabled: 2, processed: 17 });
    expect(result.recordsRead).toBe(20);
    expect(result.wouldHold).toBe(false);
    expect(result.samples.updated).toEqual([
      {
        externalId: "M-000",
        name: "Ada King",
        reason: null,
        changes: [{ field: "lastName", from: "Member M-000", to: "King" }],
      },
    ]);
    expect(result.samples.disabled.map((s) => s.externalId)).toEqual(["M-018", "M-019"]);
    expect(result.samples.processed).toHaveLength(2);
    expect(await snapshot()).toEqual(before);
  });

  it("previews a Require identifier change before it is saved", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const listing = members(10, (i) => (i < 4 ? { mobile_phone: "+447911123456" } : {}));
    const listingFor = listingsOf({ [integration.id]: memoryListing(listing) });
    const asSaved = await dryRunPass({ db, facilityId: facility.id, source: "integration", listingFor, now: T });
    const phoneRequired = await dryRunPass({
      db,
      facilityId: facility.id,
      source: "integration",
      listingFor,
      now: T,
      settingsOverride: { requireIdentifier: "phone" },
    });
    expect(asSaved.counts).toMatchObject({ added: 10, skipped: 0 });
    expect(phoneRequired.counts).toMatchObject({ added: 4, skipped: 6 });
    expect(phoneRequired.samples.skipped[0]?.reason).toBe(
      "No phone on the record (a phone is required by this facility)",
    );
    expect(await db.$count(accessUser)).toBe(0);
  });

  it("says when the brake would hold", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(20), now: T });
    const result = await dryRunPass({
      db,
      facilityId: facility.id,
      source: "integration",
      listingFor: listingsOf({ [integration.id]: memoryListing(members(10)) }),
      now: T + 1,
    });
    expect(result).toMatchObject({ wouldHold: true, counts: { disabled: 10, processed: 10 } });
  });
});
