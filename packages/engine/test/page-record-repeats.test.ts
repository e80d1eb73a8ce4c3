import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { listActivity, listPassActivity, passSyncedTimes, REPEAT_SOURCE_DAYS, type Db } from "@uas/db";
import { createSyncedFacility, createTestDb } from "@uas/db/testing";
import { T, integrationPass, members, removedIds, rowsByExternalId } from "./sync-helpers";

const DAY = 86_400_000;

/** ADR 0019: a page record that lists what the same page's last record listed stores a reference to it. */
describe("an unchanged page's record", () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
  });

  const recordsOf = async (passId: string) =>
    db.all<{ sameAs: string | null; processed: string; listed: string; count: number }>(sql`
      SELECT same_as_pass AS sameAs, processed, listed, processed_count AS count FROM sync_pass_page
      WHERE pass_id = ${passId} ORDER BY first_entry_id`);

  const setUp = async (count = 7) => {
    const { facility, integration } = await createSyncedFacility(db);
    const pass = (now: number, records = members(count)) =>
      integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now });
    return { facility, pass };
  };

  it("stores no list of its own: it reads the last night's, for the log and the sweep alike", async () => {
    const { facility, pass } = await setUp();
    await pass(T);
    const second = await pass(T + DAY);
    const third = await pass(T + 2 * DAY);
    // The second night's records differ from the first's (people added, then unchanged): stored in full.
    expect((await recordsOf(second.id)).map((r) => r.sameAs)).toEqual([null, null, null]);
    const records = await recordsOf(third.id);
    expect(records.map((r) => [r.sameAs, r.processed, r.listed])).toEqual(Array(3).fill([second.id, "[]", "[]"]));
    expect(records.map((r) => r.count)).toEqual([3, 3, 1]);

    // The log shows the third night's Processed entries as before.
    expect(third).toMatchObject({ state: "complete", processed: 7, disabled: 0 });
    const entries = await listPassActivity(db, third.id);
    expect(entries.map((e) => [e.externalId, e.outcome])).toEqual(members(7).map((m) => [m.external_id, "processed"]));
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

  it("is stored in full when the page changed, or when the record it would repeat is 30 days old", async () => {
    const { pass } = await setUp();
    await pass(T);
    const full = await pass(T + DAY);
    const changedListing = members(7, (i) =>
      i === 4 ? { last_name: "Changed", updated_at: "2026-11-25T09:00:00Z" } : {},
    );
    const changed = await pass(T + 2 * DAY, changedListing);
    // The second page (M-003…M-005) changed (M-004 Updated); the others repeat the night before.
    expect((await recordsOf(changed.id)).map((r) => r.sameAs)).toEqual([full.id, null, full.id]);
    // Unchanged again: the second page lists what it listed two nights ago.
    const same = await pass(T + 3 * DAY, changedListing);
    expect((await recordsOf(same.id)).map((r) => r.sameAs)).toEqual([full.id, full.id, full.id]);
    // A month on, no record of these pages is recent enough to repeat: stored in full again.
    const month = await pass(T + (REPEAT_SOURCE_DAYS + 2) * DAY, changedListing);
    expect((await recordsOf(month.id)).map((r) => r.sameAs)).toEqual([null, null, null]);
    const next = await pass(T + (REPEAT_SOURCE_DAYS + 3) * DAY, changedListing);
    expect((await recordsOf(next.id)).map((r) => r.sameAs)).toEqual([month.id, month.id, month.id]);
  });
});
