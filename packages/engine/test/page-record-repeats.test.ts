import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import {
  listActivity,
  listPassActivity,
  listUserActivity,
  passSyncedTimes,
  REPEAT_SOURCE_DAYS,
  type Db,
} from "@uas/db";
import { createSyncedFacility, createTestDb } from "@uas/db/testing";
import { T, integrationPass, keysetIds, members, removedIds, rowsByExternalId } from "./sync-helpers";

const DAY = 86_400_000;

/** ADR 0019: a page record that met the people the same page's last record met stores a reference to it. */
describe("an unchanged page's record", () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
  });

  const recordsOf = async (passId: string) =>
    db.all<{ sameAs: string | null; met: string; notDerived: string; count: number }>(sql`
      SELECT same_as_pass AS sameAs, met, not_derived AS notDerived, processed_count AS count FROM sync_pass_page
      WHERE pass_id = ${passId} ORDER BY first_entry_id`);

  const setUp = async (count = 7) => {
    const { facility, integration } = await createSyncedFacility(db);
    const pass = (now: number, records = members(count)) =>
      integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now });
    return { facility, pass };
  };

  it("stores no list of its own: it reads the last night's, for the log and the sweep alike", async () => {
    const { facility, pass } = await setUp();
    const first = await pass(T);
    const second = await pass(T + DAY);
    const third = await pass(T + 2 * DAY);
    // The first night met everyone (all Added: none derived), stored in full.
    const firstRecords = await recordsOf(first.id);
    expect(firstRecords.map((r) => [r.sameAs, JSON.parse(r.met).length, r.notDerived])).toEqual([
      [null, 3, "[0,1,2]"],
      [null, 3, "[0,1,2]"],
      [null, 1, "[0]"],
    ]);
    // The next nights' pages met the same people (now unchanged, all derived): a reference each.
    for (const night of [second, third]) {
      const records = await recordsOf(night.id);
      expect(records.map((r) => [r.sameAs, r.met, r.notDerived])).toEqual(Array(3).fill([first.id, "[]", "[]"]));
      expect(records.map((r) => r.count)).toEqual([3, 3, 1]);
    }

    // The log shows the third night's Processed entries as before.
    expect(third).toMatchObject({ state: "complete", processed: 7, disabled: 0 });
    const entries = await listPassActivity(db, third.id);
    expect(entries.map((e) => [e.externalId, e.outcome])).toEqual(members(7).map((m) => [m.external_id, "processed"]));
    // A pass id search, paged, finds that pass's entries only (the third night's are newer).
    expect(await keysetIds(db, { facilityId: facility.id, search: second.id, limit: 3 })).toEqual(
      (await listPassActivity(db, second.id)).map((e) => e.id).reverse(),
    );
    const byName = await listActivity(db, { facilityId: facility.id, search: "Member M-004" });
    expect(byName.entries.map((e) => e.passId).slice(0, 2)).toEqual([third.id, second.id]);
    const rows = await rowsByExternalId(db, facility.id);
    const synced = await passSyncedTimes(db, facility.id, [rows.get("M-004")?.id ?? ""]);
    expect([...synced.values()]).toEqual([T + 2 * DAY + 1]);

    // The sweep reads who the page met through the reference: nobody listed is removed, the one who left is.
    expect(await removedIds(db, facility.id)).toEqual([]);
    const fourth = await pass(T + 3 * DAY, members(6));
    expect(fourth).toMatchObject({ state: "complete", disabled: 1 });
    expect(await removedIds(db, facility.id)).toEqual(["M-006"]);
  });

  it("is stored in full when the page met other people, or when the record it would repeat is 30 days old", async () => {
    const { facility, pass } = await setUp();
    const first = await pass(T);
    // M-004 changed, and M-007 joined the last page.
    const changedListing = members(8, (i) =>
      i === 4 ? { last_name: "Changed", updated_at: "2026-11-25T09:00:00Z" } : {},
    );
    const changed = await pass(T + DAY, changedListing);
    expect(changed).toMatchObject({ state: "complete", added: 1, updated: 1, processed: 6 });
    const records = await recordsOf(changed.id);
    // The second page (M-003…M-005) met the same people: a reference, with Updated M-004 not derived.
    expect(records.map((r) => [r.sameAs, r.notDerived])).toEqual([
      [first.id, "[]"],
      [first.id, "[1]"],
      [null, "[1]"],
    ]);
    expect(records[2]?.met).toBe(JSON.stringify(["M-006", "M-007"]));
    // Each page's written entries come first, then its derived ones (their ids are reserved after).
    const entries = await listPassActivity(db, changed.id);
    expect(entries.map((e) => [e.externalId, e.outcome])).toEqual([
      ...["M-000", "M-001", "M-002"].map((id) => [id, "processed"]),
      ["M-004", "updated"],
      ["M-003", "processed"],
      ["M-005", "processed"],
      ["M-007", "added"],
      ["M-006", "processed"],
    ]);
    // A person's derived entry read alone (a search, their history) has the id the page's list gives it:
    // M-005 follows Updated M-004 on its page, M-006 precedes Added M-007.
    const rows = await rowsByExternalId(db, facility.id);
    for (const externalId of ["M-005", "M-006"]) {
      const inPass = entries.find((e) => e.externalId === externalId);
      const searched = await listActivity(db, { facilityId: facility.id, search: externalId });
      expect(searched.entries.find((e) => e.passId === changed.id)).toEqual(inPass);
      const history = await listUserActivity(db, { facilityId: facility.id, userId: rows.get(externalId)?.id ?? "" });
      expect(history.entries.find((e) => e.passId === changed.id)).toEqual(inPass);
    }
    // Unchanged again: the last page repeats last night's record, the others still the first night's.
    const same = await pass(T + 2 * DAY, changedListing);
    expect((await recordsOf(same.id)).map((r) => [r.sameAs, r.notDerived])).toEqual([
      [first.id, "[]"],
      [first.id, "[]"],
      [changed.id, "[]"],
    ]);
    // A month on, no record of these pages is recent enough to repeat: stored in full again.
    const month = await pass(T + (REPEAT_SOURCE_DAYS + 2) * DAY, changedListing);
    expect((await recordsOf(month.id)).map((r) => r.sameAs)).toEqual([null, null, null]);
    const next = await pass(T + (REPEAT_SOURCE_DAYS + 3) * DAY, changedListing);
    expect((await recordsOf(next.id)).map((r) => r.sameAs)).toEqual([month.id, month.id, month.id]);
    expect(await removedIds(db, facility.id)).toEqual([]);
  });
});
