import { beforeEach, describe, expect, it } from "vitest";
import { activityEntry, setFacilityIntegration, type Db } from "@uas/db";
import { ftsQuery, getActivityEntry, listActivity, listUserActivity, pruneActivity } from "@uas/db";
import { applySourceEvent } from "../src";
import { createFacility, createIntegration, createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { T, integrationPass, members, rowsByExternalId } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

async function seeded() {
  const { facility, integration } = await createSyncedFacility(db);
  const records = [
    ...members(6),
    member("M-100", { first_name: "Grace", last_name: "Hopper" }),
    member("M-101", { email: null, mobile_phone: null }),
    member("X-1", { first_name: "Nowhere", location_ids: ["loc-closed"] }),
  ];
  const pass = await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
  return { facility, integration, pass };
}

describe("activity log", () => {
  it("lists newest first with keyset paging, unmapped entries included", async () => {
    const { facility } = await seeded();
    const first = await listActivity(db, { facilityId: facility.id, limit: 4 });
    expect(first.entries.map((e) => e.externalId)).toEqual(["X-1", "M-101", "M-100", "M-005"]);
    expect(first.entries[0]).toMatchObject({ facilityId: null, reason: "No facility on the source record" });
    const second = await listActivity(db, { facilityId: facility.id, limit: 4, before: first.nextCursor });
    expect(second.entries.map((e) => e.externalId)).toEqual(["M-004", "M-003", "M-002", "M-001"]);
    const last = await listActivity(db, { facilityId: facility.id, limit: 4, before: second.nextCursor });
    expect(last).toMatchObject({ entries: [{ externalId: "M-000" }], nextCursor: null });
  });

  it("filters by outcome", async () => {
    const { facility } = await seeded();
    const skipped = await listActivity(db, { facilityId: facility.id, outcome: "skipped" });
    expect(skipped.entries.map((e) => e.externalId)).toEqual(["X-1", "M-101"]);
  });

  it("searches by name, external id, reason, and pass, webhook and row ids", async () => {
    const { facility, integration, pass } = await seeded();
    await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: {
        type: "member.upserted",
        data: member("M-100", { last_name: "Hopper-King", updated_at: "2026-11-24T10:00:00Z" }),
      },
      webhookId: "msg_2Zy9",
      now: T + 10,
    });
    const ids = async (search: string) =>
      (await listActivity(db, { facilityId: facility.id, search })).entries.map((e) => e.externalId);
    expect(await ids("grace hop")).toEqual(["M-100"]);
    expect(await ids("HOP")).toEqual(["M-100", "M-100"]);
    expect(await ids("M-101")).toEqual(["M-101"]);
    expect(await ids("phone or email")).toEqual(["M-101"]);
    expect(await ids("msg_2Zy9")).toEqual(["M-100"]);
    expect((await ids(pass.id)).length).toBe(9);
    const rowId = (await rowsByExternalId(db, facility.id)).get("M-003")?.id ?? "";
    expect(await ids(rowId)).toEqual(["M-003"]);
    expect((await listUserActivity(db, { facilityId: facility.id, userId: rowId })).entries).toHaveLength(1);
    expect(await ids("nowhere")).toEqual(["X-1"]);
    expect(await ids('"); DROP TABLE activity_entry; --')).toEqual([]);
    const page = await listActivity(db, { facilityId: facility.id, search: "ada", outcome: "added", limit: 2 });
    expect(page.entries.map((e) => e.externalId)).toEqual(["M-005", "M-004"]);
    const next = await listActivity(db, {
      facilityId: facility.id,
      search: "ada",
      outcome: "added",
      limit: 2,
      before: page.nextCursor,
    });
    expect(next.entries.map((e) => e.externalId)).toEqual(["M-003", "M-002"]);
  });

  it("never shows another facility's entries; unmapped ones only to facilities mirroring the integration", async () => {
    const { facility, integration } = await seeded();
    const sameOrg = await createFacility(db, { organisationId: facility.organisationId });
    const stranger = await createFacility(db);
    expect((await listActivity(db, { facilityId: stranger.id })).entries).toEqual([]);
    expect((await listActivity(db, { facilityId: stranger.id, search: "ada" })).entries).toEqual([]);
    const rowId = (await rowsByExternalId(db, facility.id)).get("M-000")?.id ?? "";
    expect((await listActivity(db, { facilityId: stranger.id, search: rowId })).entries).toEqual([]);
    expect((await listUserActivity(db, { facilityId: sameOrg.id, userId: rowId })).entries).toEqual([]);
    expect(
      (await listUserActivity(db, { facilityId: facility.id, userId: rowId })).entries.map((e) => e.externalId),
    ).toEqual(["M-000"]);
    expect((await listActivity(db, { facilityId: sameOrg.id })).entries).toEqual([]);
    await setFacilityIntegration(db, { facilityId: sameOrg.id, integrationId: integration.id, enabled: true });
    expect((await listActivity(db, { facilityId: sameOrg.id })).entries.map((e) => e.externalId)).toEqual(["X-1"]);
    expect(
      (await listActivity(db, { facilityId: sameOrg.id, search: "nowhere" })).entries.map((e) => e.externalId),
    ).toEqual(["X-1"]);
    const [own] = (await listActivity(db, { facilityId: facility.id, search: "grace" })).entries;
    expect(await getActivityEntry(db, { facilityId: facility.id, id: own?.id ?? 0 })).toMatchObject({
      externalId: "M-100",
      changes: null,
    });
    expect(await getActivityEntry(db, { facilityId: stranger.id, id: own?.id ?? 0 })).toBeUndefined();
    const other = await createIntegration(db, { organisationId: facility.organisationId, locations: {} });
    expect(ftsQuery("a", facility.id, [other.id])).toBe(
      `scope : ("${facility.id}" OR "unmapped_${other.id}") AND body : ("a"*)`,
    );
  });

  it("prunes entries older than 90 days, and their search entries with them", async () => {
    const { facility, integration } = await seeded();
    const day = 86_400_000;
    await db.update(activityEntry).set({ at: T - 91 * day });
    await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: {
        type: "member.upserted",
        data: member("M-000", { updated_at: "2026-11-24T10:00:00Z", last_name: "Recent" }),
      },
      webhookId: "w",
      now: T,
    });
    // One bounded step at a time, each going on from where the previous one ended, until entries within
    // the retention are reached.
    let step = await pruneActivity({ db, now: T, batchSize: 3 });
    let deleted = step.deleted;
    while (step.next !== null) {
      step = await pruneActivity({ db, now: T, batchSize: 3, after: step.next });
      deleted += step.deleted;
    }
    // The pass's two Skipped entries (M-101, X-1) stay 30 days longer: repeats may still derive from them.
    expect(deleted).toBe(7);
    expect((await listActivity(db, { facilityId: facility.id })).entries.map((e) => e.externalId)).toEqual([
      "M-000",
      "X-1",
      "M-101",
    ]);
    expect((await listActivity(db, { facilityId: facility.id, search: "grace" })).entries).toEqual([]);
    expect((await listActivity(db, { facilityId: facility.id, search: "recent" })).entries).toHaveLength(1);
    expect(await pruneActivity({ db, now: T + 30 * day })).toMatchObject({ deleted: 2 });
    expect((await listActivity(db, { facilityId: facility.id })).entries.map((e) => e.externalId)).toEqual(["M-000"]);
  });
});
