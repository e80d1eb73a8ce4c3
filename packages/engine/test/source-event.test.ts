import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import {
  accessUser,
  activityEntry,
  integrationLocation,
  pruneRememberedRemovals,
  setFacilityIntegration,
  sourceRemoval,
  type Db,
} from "@uas/db";
import { advancePass, applySourceEvent, runFullPass } from "../src";
import { createFacility, createSyncedFacility, createTestDb, insertCctvSourceFor, member } from "@uas/db/testing";
import { listingsOf, memoryListing } from "../src/testing";
import { T, members, rowsByExternalId, syncedThenSecondPass } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

const upserted = (data: Record<string, unknown>) => ({ type: "member.upserted", data });
const removed = (externalId: string, updatedAt: string, locationIds: string[] = ["loc-1"]) => ({
  type: "member.removed",
  data: { external_id: externalId, location_ids: locationIds, updated_at: updatedAt },
});

describe("applySourceEvent", () => {
  it("creates the row in every facility the member's locations map to, one entry each, with the webhook id", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const second = await createFacility(db, { organisationId: facility.organisationId });
    await db
      .insert(integrationLocation)
      .values({ integrationId: integration.id, locationId: "loc-2", facilityId: second.id });
    await setFacilityIntegration(db, { facilityId: second.id, integrationId: integration.id, enabled: true });
    const result = await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: upserted(member("M-1042", { location_ids: ["loc-1", "loc-2"] })),
      webhookId: "msg_1",
      now: T,
    });
    expect(result.status).toBe("applied");
    if (result.status !== "applied") return;
    expect(result.entries.map((e) => [e.facilityId, e.outcome, e.reason])).toEqual([
      [facility.id, "added", null],
      // The second facility has Integrations off (rule 1).
      [second.id, "skipped", "Integration sync is turned off for this facility"],
    ]);
    const entries = await db.select().from(activityEntry);
    expect(entries.every((e) => e.webhookId === "msg_1" && e.passId === null)).toBe(true);
    expect((await rowsByExternalId(db, facility.id)).get("M-1042")).toMatchObject({
      email: "m-1042@example.com",
      source: "integration",
    });
  });

  it("the same event again is Processed and changes nothing", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const event = upserted(member("M-1"));
    await applySourceEvent({ db, source: "integration", integrationId: integration.id, event, webhookId: "a", now: T });
    const before = await rowsByExternalId(db, facility.id);
    const again = await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event,
      webhookId: "a",
      now: T + 1000,
    });
    expect(again).toMatchObject({ status: "applied", entries: [{ outcome: "processed" }] });
    expect(await rowsByExternalId(db, facility.id)).toEqual(before);
  });

  it("a stale event is Processed and changes nothing; a removal then an older upsert leaves the person removed", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const apply = (event: unknown, now: number) =>
      applySourceEvent({ db, source: "integration", integrationId: integration.id, event, webhookId: null, now });
    await apply(upserted(member("M-1", { updated_at: "2026-11-24T10:00:00Z" })), T);
    const stale = await apply(upserted(member("M-1", { last_name: "Old", updated_at: "2026-11-24T09:00:00Z" })), T + 1);
    expect(stale).toMatchObject({ entries: [{ outcome: "processed" }] });
    expect((await rowsByExternalId(db, facility.id)).get("M-1")?.lastName).toBe("Member M-1");

    expect(await apply(removed("M-1", "2026-11-24T12:00:00Z"), T + 2)).toMatchObject({
      entries: [{ outcome: "disabled", reason: "Removed at the source" }],
    });
    const late = await apply(upserted(member("M-1", { last_name: "Late", updated_at: "2026-11-24T11:00:00Z" })), T + 3);
    expect(late).toMatchObject({ entries: [{ outcome: "updated" }] });
    expect((await rowsByExternalId(db, facility.id)).get("M-1")).toMatchObject({
      lastName: "Late",
      removedAtSourceAt: T + 2,
    });
    expect(await apply(upserted(member("M-1", { updated_at: "2026-11-24T13:00:00Z" })), T + 4)).toMatchObject({
      entries: [{ outcome: "updated" }],
    });
    expect((await rowsByExternalId(db, facility.id)).get("M-1")?.removedAtSourceAt).toBeNull();
  });

  it("remembers a removal that arrives before the person's first upsert; an older upsert adds them removed", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const apply = (event: unknown, now: number) =>
      applySourceEvent({ db, source: "integration", integrationId: integration.id, event, webhookId: null, now });
    expect(await apply(removed("M-1", "2026-11-24T12:00:00Z"), T)).toMatchObject({
      entries: [{ outcome: "skipped", reason: "No matching User Access record" }],
    });
    expect(await apply(removed("M-2", "2026-11-24T12:00:00Z"), T)).toMatchObject({ entries: [{ outcome: "skipped" }] });
    expect(await db.$count(sourceRemoval)).toBe(2);

    // In updated_at order: M-1 joined at 10:00 and left at 12:00; M-2 left at 12:00 and joined again at 13:00.
    expect(await apply(upserted(member("M-1", { updated_at: "2026-11-24T10:00:00Z" })), T + 1)).toMatchObject({
      entries: [{ outcome: "added", reason: "Removed at the source" }],
    });
    expect(await apply(upserted(member("M-2", { updated_at: "2026-11-24T13:00:00Z" })), T + 1)).toMatchObject({
      entries: [{ outcome: "added", reason: null }],
    });
    const rows = await rowsByExternalId(db, facility.id);
    expect(rows.get("M-1")).toMatchObject({ removedAtSourceAt: T + 1, accessEnabled: true });
    expect(rows.get("M-2")).toMatchObject({ removedAtSourceAt: null });
    // Once the row exists it carries the removal itself; the memory is gone.
    expect(await db.$count(sourceRemoval)).toBe(0);
    // A newer upsert brings M-1 back, as it would have in order.
    expect(await apply(upserted(member("M-1", { updated_at: "2026-11-24T14:00:00Z" })), T + 2)).toMatchObject({
      entries: [{ outcome: "updated" }],
    });
    expect((await rowsByExternalId(db, facility.id)).get("M-1")?.removedAtSourceAt).toBeNull();
  });

  it("forgets remembered removals after the retention", async () => {
    const { integration } = await createSyncedFacility(db);
    await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: removed("M-1", "2026-11-24T12:00:00Z"),
      webhookId: null,
      now: T,
    });
    expect(await pruneRememberedRemovals({ db, now: T + 89 * 86_400_000 })).toEqual({ deleted: 0, more: false });
    expect(await pruneRememberedRemovals({ db, now: T + 91 * 86_400_000 })).toEqual({ deleted: 1, more: false });
    expect(await db.$count(sourceRemoval)).toBe(0);
  });

  it("a removal for a person with no row, or a record no facility maps, is Skipped", async () => {
    const { integration } = await createSyncedFacility(db);
    const apply = (event: unknown) =>
      applySourceEvent({ db, source: "integration", integrationId: integration.id, event, webhookId: "w", now: T });
    expect(await apply(removed("nobody", "2026-11-24T12:00:00Z"))).toMatchObject({
      entries: [{ outcome: "skipped", reason: "No matching User Access record" }],
    });
    expect(await apply(upserted(member("X", { location_ids: ["loc-closed"] })))).toEqual({
      status: "applied",
      entries: [{ facilityId: null, outcome: "skipped", reason: "No facility on the source record", userId: null }],
    });
  });

  it("a member no longer at a facility's locations is removed from that facility", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const second = await createFacility(db, { organisationId: facility.organisationId });
    await db
      .insert(integrationLocation)
      .values({ integrationId: integration.id, locationId: "loc-2", facilityId: second.id });
    await setFacilityIntegration(db, { facilityId: second.id, integrationId: integration.id, enabled: true });
    await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: upserted(member("M-1")),
      webhookId: null,
      now: T,
    });
    const moved = await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: upserted(member("M-1", { location_ids: ["loc-2"], updated_at: "2026-11-24T10:00:00Z" })),
      webhookId: null,
      now: T + 1,
    });
    expect(moved).toMatchObject({
      entries: [
        { facilityId: second.id, outcome: "skipped" },
        { facilityId: facility.id, outcome: "disabled", reason: "No longer at a location mapped to this facility" },
      ],
    });
  });

  it("skips decoupled rows, and an opted-out integration", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const apply = (event: unknown, now: number) =>
      applySourceEvent({ db, source: "integration", integrationId: integration.id, event, webhookId: null, now });
    await apply(upserted(member("M-1")), T);
    await db
      .update(accessUser)
      .set({ trackSourceUpdates: false, lastName: "Admin's spelling" })
      .where(eq(accessUser.externalId, "M-1"));
    expect(await apply(upserted(member("M-1", { updated_at: "2026-11-24T10:00:00Z" })), T + 1)).toMatchObject({
      entries: [{ outcome: "skipped", reason: "Record is decoupled and managed manually" }],
    });
    expect(await apply(removed("M-1", "2026-11-24T11:00:00Z"), T + 2)).toMatchObject({
      entries: [{ outcome: "skipped" }],
    });
    expect((await rowsByExternalId(db, facility.id)).get("M-1")).toMatchObject({
      lastName: "Admin's spelling",
      removedAtSourceAt: null,
    });
    await setFacilityIntegration(db, { facilityId: facility.id, integrationId: integration.id, enabled: false });
    expect(await apply(upserted(member("M-2")), T + 3)).toMatchObject({
      entries: [{ outcome: "skipped", reason: "This integration is turned off in sync settings" }],
    });
  });

  it("answers invalid and not found without writing", async () => {
    const { integration } = await createSyncedFacility(db);
    expect(
      await applySourceEvent({
        db,
        source: "integration",
        integrationId: integration.id,
        event: { type: "member.upserted", data: { external_id: "" } },
        webhookId: null,
        now: T,
      }),
    ).toMatchObject({
      status: "invalid",
      issues: expect.arrayContaining([{ path: "data.external_id", message: expect.any(String) }]),
    });
    expect(
      await applySourceEvent({
        db,
        source: "integration",
        integrationId: "int_missing",
        event: upserted(member("M-1")),
        webhookId: null,
        now: T,
      }),
    ).toEqual({ status: "not_found" });
    expect(
      await applySourceEvent({
        db,
        source: "cctv",
        facilityId: "fac_missing",
        event: { type: "person.removed", data: { person_id: "cv-1", updated_at: "2026-11-24T10:00:00Z" } },
        webhookId: null,
        now: T,
      }),
    ).toEqual({ status: "not_found" });
    expect(await db.$count(activityEntry)).toBe(0);
  });

  it("applies CCTV people to the facility in the path", async () => {
    const { facility } = await createSyncedFacility(db);
    await insertCctvSourceFor(db, facility.id);
    const event = {
      type: "person.identified",
      data: {
        person_id: "cv-88",
        first_name: "Grace",
        last_name: "Hopper",
        email: "grace@example.com",
        mobile_phone: null,
        updated_at: "2026-11-24T09:00:00Z",
      },
    };
    expect(
      await applySourceEvent({ db, source: "cctv", facilityId: facility.id, event, webhookId: "c1", now: T }),
    ).toMatchObject({ entries: [{ outcome: "added" }] });
    expect((await rowsByExternalId(db, facility.id)).get("cv-88")).toMatchObject({
      source: "cctv",
      integrationId: null,
      firstName: "Grace",
    });
  });
});

describe("webhooks during a pass", () => {
  it("a row a webhook created or refreshed after the pass began is not swept", async () => {
    const { facility, integration, pass } = await syncedThenSecondPass(db, 40);
    const listings = listingsOf({ [integration.id]: memoryListing(members(40).slice(0, 38), { pageSize: 10 }) });
    await advancePass({ db, passId: pass.id, listingFor: listings, maxPages: 1, now: T + 1001 });
    // Mid-pass: a new member arrives, and a listed-later member is refreshed, both by webhook.
    const apply = (data: Record<string, unknown>) =>
      applySourceEvent({
        db,
        source: "integration",
        integrationId: integration.id,
        event: upserted(data),
        webhookId: null,
        now: T + 1500,
      });
    await apply(member("NEW-1"));
    await apply(member("M-039", { last_name: "Renewed", updated_at: "2026-11-24T10:00:00Z" }));
    const done = await runFullPass({ db, passId: pass.id, listingFor: listings, now: T + 2000 });
    expect(done).toMatchObject({ state: "complete", disabled: 1 });
    const rows = await rowsByExternalId(db, facility.id);
    expect(rows.get("NEW-1")?.removedAtSourceAt).toBeNull();
    expect(rows.get("M-039")?.removedAtSourceAt).toBeNull();
    expect(rows.get("M-038")?.removedAtSourceAt).toBe(T + 2000);
  });
});
