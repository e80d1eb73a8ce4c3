import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import {
  getActivityEntry,
  listActivity,
  listPassActivity,
  listUserActivity,
  pruneActivity,
  REPEAT_SOURCE_DAYS,
  type Db,
} from "@uas/db";
import { createFacility, createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { T, integrationPass, keysetIds, members, rowsByExternalId } from "./sync-helpers";

const DAY = 86_400_000;
const NO_IDENTIFIER = "No phone or email on the record (a phone or email is required to log in)";

/** ADR 0019: a person skipped again as their last written Skipped entry says costs no entry and no search row. */
describe("a repeated Skipped entry", () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
  });

  const written = async () => {
    const [row] = await db.all<{ entries: number; search: number }>(sql`
      SELECT (SELECT count(*) FROM activity_entry) AS entries, (SELECT count(*) FROM activity_search_docsize) AS search`);
    return row;
  };

  /** Eight members; M-002 and M-005 have neither phone nor email (Skipped), X-1 is at an unmapped location. */
  const listing = (overrides: (id: string) => Record<string, unknown> = () => ({})) => [
    ...members(8, (i) => ({
      ...(i === 2 || i === 5 ? { email: null, mobile_phone: null } : {}),
      ...overrides(`M-00${i}`),
    })),
    member("X-1", { first_name: "Nowhere", location_ids: ["loc-closed"], ...overrides("X-1") }),
  ];

  /** The activity retention's walk, step by step to its end. */
  const pruneAll = async (now: number) => {
    for (let after: number | undefined; ; ) {
      const step = await pruneActivity({ db, now, after });
      if (step.next === null) return;
      after = step.next;
    }
  };

  /** The ids of the written entries a pass's page records repeat, in page order. */
  const repeatedIn = async (passId: string) =>
    (
      await db.all<{ repeated: string }>(
        sql`SELECT repeated FROM sync_pass_page_lists WHERE pass_id = ${passId} ORDER BY first_entry_id`,
      )
    ).flatMap((page) => JSON.parse(page.repeated) as number[]);

  const nights = async (count: number, records = listing(), start = T) => {
    const { facility, integration } = await createSyncedFacility(db);
    const passes = [];
    for (let night = 0; night < count; night++)
      passes.push(
        await integrationPass(db, {
          facilityId: facility.id,
          integrationId: integration.id,
          records,
          now: start + night * DAY,
        }),
      );
    return { facility, integration, passes };
  };

  it("is derived from the last written one: no entry or search row, the log and the counts as before", async () => {
    const { facility, integration, passes } = await nights(1);
    const before = await written();
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: listing(),
      now: T + DAY,
    });
    expect(second).toMatchObject({ state: "complete", skipped: 3, processed: 6, added: 0 });
    expect(await written()).toEqual(before);
    const skipped = (await listPassActivity(db, second.id)).filter((e) => e.outcome === "skipped");
    expect(skipped.map((e) => [e.externalId, e.name, e.reason, e.passId, e.facilityId])).toEqual([
      ["M-002", "Ada Member M-002", NO_IDENTIFIER, second.id, facility.id],
      ["M-005", "Ada Member M-005", NO_IDENTIFIER, second.id, facility.id],
      ["X-1", "Nowhere Member X-1", "No facility on the source record", second.id, facility.id],
    ]);
    // The first night's written entries are what they repeat.
    const first = (await listPassActivity(db, passes[0]?.id ?? "")).filter((e) => e.outcome === "skipped");
    expect(first.map((e) => [e.externalId, e.reason])).toEqual(skipped.map((e) => [e.externalId, e.reason]));
    expect(await repeatedIn(second.id)).toEqual(first.map((e) => e.id));
  });

  it("the log lists, filters, searches (name, external id, reason, pass id) and opens the derived ones", async () => {
    const { facility, passes } = await nights(3);
    const [, second, third] = passes;
    const skippedLog = await listActivity(db, { facilityId: facility.id, outcome: "skipped", limit: 100 });
    expect(skippedLog.entries.map((e) => [e.externalId, e.passId])).toEqual(
      [third, second, passes[0]].flatMap((p) => ["X-1", "M-005", "M-002"].map((id) => [id, p?.id])),
    );
    // Every entry of the three nights, newest first, in keyset pages, each once.
    const all = await listActivity(db, { facilityId: facility.id, limit: 200 });
    expect(all.entries).toHaveLength(27);
    const ids = all.entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(await keysetIds(db, { facilityId: facility.id, limit: 4 })).toEqual(ids);
    // And the Skipped filter's keyset pages, as small as can be.
    for (const limit of [1, 2])
      expect(await keysetIds(db, { facilityId: facility.id, outcome: "skipped", limit })).toEqual(
        skippedLog.entries.map((e) => e.id),
      );

    const byName = await listActivity(db, { facilityId: facility.id, search: "Member M-005" });
    expect(byName.entries.map((e) => [e.outcome, e.passId])).toEqual(
      [third, second, passes[0]].map((p) => ["skipped", p?.id]),
    );
    const byReason = await listActivity(db, { facilityId: facility.id, search: "required to log" });
    expect(byReason.entries.map((e) => e.externalId)).toEqual(["M-005", "M-002", "M-005", "M-002", "M-005", "M-002"]);
    const unmapped = await listActivity(db, { facilityId: facility.id, search: "Nowhere" });
    expect(unmapped.entries.map((e) => e.passId)).toEqual([third?.id, second?.id, passes[0]?.id]);
    const byPass = await listActivity(db, { facilityId: facility.id, search: `${second?.id} email` });
    expect(byPass.entries.map((e) => e.externalId)).toEqual(["M-005", "M-002"]);

    const derived = byName.entries[0];
    expect(await getActivityEntry(db, { facilityId: facility.id, id: derived?.id ?? 0 })).toMatchObject({
      externalId: "M-005",
      outcome: "skipped",
      reason: NO_IDENTIFIER,
      passId: third?.id,
    });
    const stranger = await createFacility(db);
    expect(await getActivityEntry(db, { facilityId: stranger.id, id: derived?.id ?? 0 })).toBeUndefined();
    expect((await listActivity(db, { facilityId: stranger.id, search: "M-005" })).entries).toEqual([]);
    expect((await listActivity(db, { facilityId: stranger.id, outcome: "skipped" })).entries).toEqual([]);
  });

  it("pages the Skipped filter by keyset when a page repeats many", async () => {
    // One page of ten a night: five skipped (derived from the second night on), five unchanged.
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(10, (i) => (i < 5 ? { email: null, mobile_phone: null } : {}));
    for (let night = 0; night < 3; night++)
      await integrationPass(db, {
        facilityId: facility.id,
        integrationId: integration.id,
        records,
        now: T + night * DAY,
        pageSize: 10,
      });
    const all = await listActivity(db, { facilityId: facility.id, outcome: "skipped", limit: 100 });
    expect(all.entries).toHaveLength(15);
    for (const limit of [2, 3, 4])
      expect(await keysetIds(db, { facilityId: facility.id, outcome: "skipped", limit })).toEqual(
        all.entries.map((e) => e.id),
      );
  });

  it("is written when it says something else: another reason, another name, or a row since", async () => {
    const { facility, integration } = await nights(1);
    const before = (await written())?.entries ?? 0;
    // M-002 now has an invalid email (another reason), M-005 another name, X-1 unchanged.
    const changed = listing((id) =>
      id === "M-002" ? { email: "not-an-email" } : id === "M-005" ? { first_name: "Bea" } : {},
    );
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: changed,
      now: T + DAY,
    });
    expect(second).toMatchObject({ skipped: 3 });
    const entries = await db.all<{ externalId: string; reason: string }>(
      sql`SELECT external_id AS externalId, reason FROM activity_entry WHERE pass_id = ${second.id} ORDER BY external_id`,
    );
    expect(entries.map((e) => e.externalId)).toEqual(["M-002", "M-005"]);
    expect(entries[0]?.reason).toMatch(/not a valid email/);
    expect((await written())?.entries).toBe(before + 2);
  });

  it(`is written again once its last written entry is ${REPEAT_SOURCE_DAYS} days old, and repeats that one after`, async () => {
    const { facility, integration } = await nights(1);
    const pass = (now: number) =>
      integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: listing(), now });
    const writtenBy = async (passId: string) =>
      (await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM activity_entry WHERE pass_id = ${passId}`))[0]?.n;
    expect(await writtenBy((await pass(T + (REPEAT_SOURCE_DAYS - 1) * DAY)).id)).toBe(0);
    const renewed = await pass(T + (REPEAT_SOURCE_DAYS + 1) * DAY);
    expect(await writtenBy(renewed.id)).toBe(3);
    const after = await pass(T + (REPEAT_SOURCE_DAYS + 2) * DAY);
    expect(await writtenBy(after.id)).toBe(0);
    const renewedIds = (await listPassActivity(db, renewed.id)).filter((e) => e.outcome === "skipped").map((e) => e.id);
    expect(await repeatedIn(after.id)).toEqual(renewedIds);
  });

  it("shows in the person's row history", async () => {
    // M-002 is synced with an email, then loses it: Skipped, the row left as it is.
    const { facility, integration } = await nights(
      1,
      listing((id) => (id === "M-002" ? { email: "m2@example.com" } : {})),
    );
    for (const night of [1, 2])
      await integrationPass(db, {
        facilityId: facility.id,
        integrationId: integration.id,
        records: listing(),
        now: T + night * DAY,
      });
    const row = (await rowsByExternalId(db, facility.id)).get("M-002");
    const history = await listUserActivity(db, { facilityId: facility.id, userId: row?.id ?? "" });
    expect(history.entries.map((e) => [e.outcome, e.reason])).toEqual([
      ["skipped", NO_IDENTIFIER],
      ["skipped", NO_IDENTIFIER],
      ["added", null],
    ]);
    const [derived] = history.entries;
    expect(derived?.userId).toBe(row?.id);
    expect(await db.all(sql`SELECT id FROM activity_entry WHERE id = ${derived?.id ?? 0}`)).toEqual([]);
  });

  it("keeps the written entry past the retention until the repeats derived from it are pruned", async () => {
    const { facility, integration } = await nights(1);
    const last = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: listing(),
      now: T + 20 * DAY,
    });
    const repeats = async () =>
      (await listActivity(db, { facilityId: facility.id, outcome: "skipped", search: last.id })).entries.map(
        (e) => e.reason,
      );
    expect(await repeats()).toHaveLength(3);
    // 95 days after the first night: its entries are past 90 days, the repeats (day 20) are not.
    await pruneAll(T + 95 * DAY);
    expect(await repeats()).toEqual(["No facility on the source record", NO_IDENTIFIER, NO_IDENTIFIER]);
    // 125 days after: the written ones are gone, and the repeats derived from them (past 90 days) with them.
    await pruneAll(T + 125 * DAY);
    expect(await repeats()).toEqual([]);
    await pruneAll(T + 141 * DAY);
    expect((await listActivity(db, { facilityId: facility.id, limit: 100 })).entries).toEqual([]);
  });
});
