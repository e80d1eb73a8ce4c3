import { beforeEach, describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { accessUser, activityEntry, setFacilityIntegration, updateSyncSettings, type Db } from "@uas/db";
import { createIntegration, createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { dryRunPass, runFullPass, startPass } from "../src";
import { listingsOf, memoryListing } from "../src/testing";
import { T, members, rowsByExternalId } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

/**
 * Two integrations, rows the sweep must pass by (decoupled, already removed, access switched off but
 * still active), one integration opted out before the pass, and a listing that no longer names most of
 * the people: the dry run's preview of removals must be exactly what the pass then does.
 */
async function world(brake: "loose" | "default") {
  const { facility, integration } = await createSyncedFacility(db);
  const other = await createIntegration(db, {
    organisationId: facility.organisationId,
    name: "Other partner",
    locations: { "loc-1": facility.id },
  });
  await setFacilityIntegration(db, { facilityId: facility.id, integrationId: other.id, enabled: true });
  if (brake === "loose") await updateSyncSettings(db, facility.id, { massDisablePercent: 100 }, T);
  const first = {
    [integration.id]: memoryListing(members(12), { pageSize: 5 }),
    [other.id]: memoryListing([member("O-1"), member("O-2"), member("O-3")]),
  };
  const firstPass = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
  await runFullPass({ db, passId: firstPass.pass.id, listingFor: listingsOf(first), now: T + 1 });
  const rows = await rowsByExternalId(db, facility.id);
  const set = async (externalId: string, values: Partial<typeof accessUser.$inferInsert>) =>
    db
      .update(accessUser)
      .set(values)
      .where(and(eq(accessUser.facilityId, facility.id), eq(accessUser.id, rows.get(externalId)?.id ?? "")));
  await set("M-005", { trackSourceUpdates: false });
  await set("M-006", { accessEnabled: false });
  await set("M-007", { removedAtSourceAt: T + 2 });
  await setFacilityIntegration(db, { facilityId: facility.id, integrationId: other.id, enabled: false });
  const second = {
    [integration.id]: memoryListing(
      [...members(4), member("M-009"), member("NEW-1")].map((record) => ({
        ...record,
        updated_at: "2026-11-24T11:00:00Z",
      })),
      { pageSize: 2 },
    ),
    [other.id]: memoryListing([]),
  };
  return { facility, listingFor: listingsOf(second) };
}

describe("the dry run and the pass agree on who is removed", () => {
  for (const brake of ["loose", "default"] as const) {
    it(`with the ${brake} brake: the same people, the same count, the same hold`, async () => {
      const { facility, listingFor } = await world(brake);
      const dry = await dryRunPass({
        db,
        facilityId: facility.id,
        source: "integration",
        listingFor,
        now: T + 10,
        sampleSize: 100,
      });
      const { pass } = await startPass({
        db,
        facilityId: facility.id,
        source: "integration",
        trigger: "manual",
        now: T + 10,
      });
      const done = await runFullPass({ db, passId: pass.id, listingFor, now: T + 11 });
      const previewed = dry.samples.disabled.map((s) => s.externalId).sort();
      // M-004, M-006, M-008, M-010, M-011: unseen and active; M-005 is decoupled, M-007 already removed,
      // and the opted-out integration's people are not swept.
      expect(previewed).toEqual(["M-004", "M-006", "M-008", "M-010", "M-011"]);
      expect(dry.wouldHold).toBe(done.state === "held");
      expect(dry.wouldHold).toBe(brake === "default");
      if (done.state === "held") {
        expect(done.heldCount).toBe(previewed.length);
        expect(((done.heldSample ?? []) as Array<{ externalId: string }>).map((s) => s.externalId).sort()).toEqual(
          previewed,
        );
      } else {
        expect(done).toMatchObject({ state: "complete", disabled: previewed.length });
        const disabled = await db
          .select()
          .from(activityEntry)
          .where(and(eq(activityEntry.passId, pass.id), eq(activityEntry.outcome, "disabled")));
        expect(disabled.map((e) => e.externalId).sort()).toEqual(previewed);
      }
      expect(dry.counts.disabled).toBe(previewed.length);
    });
  }
});
