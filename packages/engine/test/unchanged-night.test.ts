import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import {
  accessUser,
  activityEntry,
  getActivityEntry,
  integrationLocation,
  lastSyncedOf,
  listActivity,
  listPassActivity,
  listUserActivity,
  passSyncedTimes,
  pruneActivity,
  setFacilityIntegration,
  syncPassPage,
  type Db,
} from "@uas/db";
import { createFacility, createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { PROCESSED_NOTES } from "@uas/domain";
import { advancePass, getPass, resolveHeldPass, runFullPass, startPass } from "../src";
import { listingsOf, memoryListing } from "../src/testing";
import { T, integrationPass, keysetIds, members, rowsByExternalId } from "./sync-helpers";

/** ADR 0019: an unchanged night writes a page record per page, not a row, an entry and a search row per person. */
describe("an unchanged pass", () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
  });

  const counts = async () => {
    const [row] = await db.all<{ users: number; entries: number; search: number; pages: number }>(sql`
      SELECT (SELECT count(*) FROM access_user) AS users, (SELECT count(*) FROM activity_entry) AS entries,
        (SELECT count(*) FROM activity_search_docsize) AS search, (SELECT count(*) FROM sync_pass_page) AS pages`);
    return row as { users: number; entries: number; search: number; pages: number };
  };

  it("writes no per-person row: people's rows, entries and search rows are as they were; one page record a page", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    // M-003's phone is invalid: Processed with a note, derived too (the note rides in the page record).
    const records = members(20, (i) => (i === 3 ? { mobile_phone: "12345" } : {}));
    const first = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T,
      pageSize: 5,
    });
    const rowsBefore = await db.select().from(accessUser);
    const before = await counts();
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T + 60_000,
      pageSize: 5,
    });
    expect(second).toMatchObject({ state: "complete", processed: 20, added: 0, updated: 0, disabled: 0, pagesDone: 4 });
    const after = await counts();
    expect(after).toEqual({ ...before, pages: before.pages + 4 });
    expect(await db.select().from(accessUser)).toEqual(rowsBefore);
    // The log still shows one Processed entry per person, with the pass id.
    const entries = await listPassActivity(db, second.id);
    expect(entries.map((e) => [e.externalId, e.outcome, e.passId])).toEqual(
      records.map((r) => [r.external_id, "processed", second.id]),
    );
    const note = (await listPassActivity(db, first.id)).find((e) => e.externalId === "M-003")?.reason;
    expect(note).toMatch(/phone/);
    expect(entries.find((e) => e.externalId === "M-003")?.reason).toBe(note);
    expect(entries.filter((e) => e.reason !== null)).toHaveLength(1);
    // The page record keeps the note by its index in PROCESSED_NOTES, not its sentence.
    const [page] = await db.all<{ processed: string; notes: string }>(
      sql`SELECT v.processed, p.notes FROM sync_pass_page_lists v JOIN sync_pass_page p ON p.rowid = v.page_rowid
        WHERE v.pass_id = ${second.id} AND instr(v.met, '"M-003"') > 0`,
    );
    expect(JSON.parse(page?.processed ?? "[]")).toContainEqual(["M-003", PROCESSED_NOTES.indexOf(note ?? "")]);
    expect(page?.notes).not.toBe("[]");
    expect(page?.notes).not.toContain("phone");
    // A record written with the sentence itself (before notes had an index) reads the same.
    await db.run(sql`UPDATE sync_pass_page SET notes = (SELECT json_group_array(json_array(n.value->>0, ${note}))
      FROM json_each(notes) n) WHERE pass_id = ${second.id} AND notes <> '[]'`);
    expect((await listPassActivity(db, second.id)).find((e) => e.externalId === "M-003")?.reason).toBe(note);
  });

  it("the activity log lists, searches (name, external id, pass id) and opens the derived Processed entries", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(12);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T + 60_000,
    });
    const all = await listActivity(db, { facilityId: facility.id, limit: 200 });
    expect(all.entries.filter((e) => e.outcome === "processed")).toHaveLength(12);
    expect(all.entries.filter((e) => e.outcome === "added")).toHaveLength(12);
    const ids = all.entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(24);
    // Keyset pages of 5 walk the same entries.
    expect(await keysetIds(db, { facilityId: facility.id, limit: 5 })).toEqual(ids);

    const byName = await listActivity(db, { facilityId: facility.id, search: "Member M-003" });
    expect(byName.entries.map((e) => [e.externalId, e.outcome, e.passId, e.name])).toEqual([
      ["M-003", "processed", second.id, "Ada Member M-003"],
      ["M-003", "added", expect.any(String), "Ada Member M-003"],
    ]);
    const byId = await listActivity(db, { facilityId: facility.id, search: "M-007" });
    expect(byId.entries.map((e) => [e.externalId, e.outcome])).toEqual([
      ["M-007", "processed"],
      ["M-007", "added"],
    ]);
    const byPass = await listActivity(db, { facilityId: facility.id, search: second.id, limit: 100 });
    expect(byPass.entries.map((e) => e.externalId).sort()).toEqual(records.map((r) => r.external_id));
    // Paged 5 at a time, the pass id search walks the same entries newest first.
    expect(await keysetIds(db, { facilityId: facility.id, search: second.id, limit: 5 })).toEqual(
      byPass.entries.map((e) => e.id),
    );
    const processed = await listActivity(db, { facilityId: facility.id, outcome: "processed", limit: 100 });
    expect(processed.entries).toHaveLength(12);
    expect((await listActivity(db, { facilityId: facility.id, outcome: "added", limit: 100 })).entries).toHaveLength(
      12,
    );

    const derived = byName.entries[0];
    expect(await getActivityEntry(db, { facilityId: facility.id, id: derived?.id ?? 0 })).toMatchObject({
      externalId: "M-003",
      outcome: "processed",
      passId: second.id,
      reason: null,
      changes: null,
    });
    const stranger = await createFacility(db);
    expect(await getActivityEntry(db, { facilityId: stranger.id, id: derived?.id ?? 0 })).toBeUndefined();
    expect((await listActivity(db, { facilityId: stranger.id, search: "M-003" })).entries).toEqual([]);
    const row = (await rowsByExternalId(db, facility.id)).get("M-003");
    const history = await listUserActivity(db, { facilityId: facility.id, userId: row?.id ?? "" });
    expect(history.entries.map((e) => e.outcome)).toEqual(["processed", "added"]);
    const asRowSearch = await listActivity(db, { facilityId: facility.id, search: row?.id ?? "" });
    expect(asRowSearch.entries.map((e) => e.outcome)).toEqual(["processed", "added"]);
  });

  it("page records are pruned with the activity past the retention, and their derived entries with them", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(6);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T + 1000 });
    expect(await db.$count(syncPassPage)).toBe(4);
    const prune = async (later: number) => {
      for (let step = await pruneActivity({ db, now: later }); step.next !== null; ) {
        step = await pruneActivity({ db, now: later, after: step.next });
      }
    };
    // Past 90 days the written entries go, and the second night's records (references) with their derived
    // entries; the first night's records stay 30 days longer, as later records of the same page may read
    // their people (same_as_pass).
    await prune(T + 91 * 86_400_000);
    expect(await db.$count(syncPassPage)).toBe(2);
    expect((await listActivity(db, { facilityId: facility.id })).entries).toEqual([]);
    await prune(T + 121 * 86_400_000);
    expect(await db.$count(syncPassPage)).toBe(0);
    expect((await listActivity(db, { facilityId: facility.id })).entries).toEqual([]);
  });

  it("Last synced of an unchanged person is the pass's time", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(4);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const changed = records.map((r, i) =>
      i === 0 ? { ...r, last_name: "Changed", updated_at: "2026-11-24T10:00:00Z" } : r,
    );
    await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: changed,
      now: T + 86_400_000,
    });
    const rows = await rowsByExternalId(db, facility.id);
    const synced = await passSyncedTimes(
      db,
      facility.id,
      [...rows.values()].map((r) => r.id),
    );
    for (const row of rows.values()) {
      expect(lastSyncedOf(row.lastSyncedAt, synced.get(row.id)), row.externalId ?? "").toBe(T + 86_400_001);
    }
    // The changed row carries it itself; the unchanged ones only through the pass.
    expect(rows.get("M-000")?.lastSyncedAt).toBe(T + 86_400_001);
    expect(rows.get("M-001")?.lastSyncedAt).toBe(T + 1);
  });

  it("a page applied again after a retry is recorded once: no entry, count or page doubled", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(9);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const listingFor = listingsOf({ [integration.id]: memoryListing(records, { pageSize: 3 }) });
    const { pass } = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "manual",
      now: T + 10,
    });
    await advancePass({ db, passId: pass.id, listingFor, maxPages: 1, now: T + 11 });
    // A crash that lost the cursor (the step is redelivered from the start of the listing).
    const stepped = await getPass(db, pass.id);
    const progress = stepped?.progress as { targets: { cursor: string | null }[] };
    await db.run(
      sql`UPDATE sync_pass SET progress = json_set(progress, '$.targets[0].cursor', NULL) WHERE id = ${pass.id}`,
    );
    expect(progress.targets[0]?.cursor).not.toBeNull();
    const done = await runFullPass({ db, passId: pass.id, listingFor, now: T + 12 });
    expect(done).toMatchObject({ state: "complete", processed: 9, recordsDone: 9, pagesDone: 3, disabled: 0 });
    expect(await db.$count(syncPassPage)).toBe(3 + 3);
    const entries = await listPassActivity(db, pass.id);
    expect(entries.map((e) => e.externalId)).toEqual(records.map((r) => r.external_id));
  });

  it("the sweep still disables exactly the absent people, and the brake still holds", async () => {
    const { facility, integration } = await createSyncedFacility(db, {
      massDisablePercent: 20,
      massDisableMinimum: 3,
    });
    const records = members(20);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const oneGone = records.filter((r) => r.external_id !== "M-004");
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: oneGone,
      now: T + 1000,
    });
    expect(second).toMatchObject({ state: "complete", disabled: 1, processed: 19 });
    let rows = await rowsByExternalId(db, facility.id);
    expect([...rows.values()].filter((r) => r.removedAtSourceAt !== null).map((r) => r.externalId)).toEqual(["M-004"]);

    const fiveGone = oneGone.filter(
      (r) => !["M-010", "M-011", "M-012", "M-013", "M-014"].includes(r.external_id as string),
    );
    const held = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: fiveGone,
      now: T + 2000,
    });
    expect(held).toMatchObject({ state: "held", heldCount: 5, disabled: 0 });
    rows = await rowsByExternalId(db, facility.id);
    expect([...rows.values()].filter((r) => r.removedAtSourceAt !== null)).toHaveLength(1);
    const allowed = await resolveHeldPass({ db, passId: held.id, decision: "allow", now: T + 3000 });
    expect(allowed).toMatchObject({ state: "complete", disabled: 5 });
    rows = await rowsByExternalId(db, facility.id);
    expect(
      [...rows.values()]
        .filter((r) => r.removedAtSourceAt !== null)
        .map((r) => r.externalId)
        .sort(),
    ).toEqual(["M-004", "M-010", "M-011", "M-012", "M-013", "M-014"]);
  });

  it('writes "No facility on the source record" once per integration per night, however many facilities read it', async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const sibling = await createFacility(db, { organisationId: facility.organisationId });
    await db
      .insert(integrationLocation)
      .values({ integrationId: integration.id, locationId: "loc-2", facilityId: sibling.id });
    await setFacilityIntegration(db, { facilityId: sibling.id, integrationId: integration.id, enabled: true });
    const { updateSyncSettings } = await import("@uas/db");
    await updateSyncSettings(db, sibling.id, { integrationsEnabled: true }, T);
    const records = [member("M-1"), member("S-1", { location_ids: ["loc-2"] }), member("X-1", { location_ids: [] })];
    const night = async (now: number) => {
      const a = await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now });
      const b = await integrationPass(db, {
        facilityId: sibling.id,
        integrationId: integration.id,
        records,
        now: now + 10,
      });
      return [a, b];
    };
    const [a, b] = await night(T);
    // Each pass still counts its Skipped record; the entry is written once.
    expect(a).toMatchObject({ added: 1, skipped: 1 });
    expect(b).toMatchObject({ added: 1, skipped: 1 });
    const unmapped = async () =>
      (await db.select().from(activityEntry)).filter((e) => e.facilityId === null).map((e) => e.externalId);
    expect(await unmapped()).toEqual(["X-1"]);
    // The next night repeats it: each facility's pass derives its entry from last night's (page records),
    // so each log shows it once a night, and nothing is written.
    const [a2, b2] = await night(T + 86_400_000);
    expect(await unmapped()).toEqual(["X-1"]);
    for (const pass of [a2, b2]) {
      const skipped = (await listPassActivity(db, pass?.id ?? "")).filter((e) => e.outcome === "skipped");
      expect(skipped.map((e) => [e.externalId, e.reason, e.passId])).toEqual([
        ["X-1", "No facility on the source record", pass?.id],
      ]);
    }
  });
});
