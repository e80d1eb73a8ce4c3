import { beforeEach, describe, expect, it } from "vitest";
import { asc, eq, sql } from "drizzle-orm";
import type { SyncPatch } from "@uas/domain";
import { accessUser, activityEntry, invitation, listPassActivity, updateSyncSettings, type Db } from "@uas/db";
import { createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { listingsOf, memoryListing } from "../src/testing";
import { advancePass, getPass, runFullPass, startPass, type ListingPort } from "../src";
import { loadPersonRows, loadRows, newRowId, rowWriteStatements, type RowWrite } from "../src/row-store";
import { entryStatements, type EntryToWrite } from "../src/activity-store";
import { drizzleHandle } from "../src/store-handle";
import { T, integrationPass, members, rowsByExternalId } from "./sync-helpers";
import { applySweepTo, readSweep } from "../src/sweep";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

function patch(overrides: Partial<SyncPatch> = {}): SyncPatch {
  return {
    firstName: "Ada",
    lastName: "Lovelace",
    email: "ada@example.com",
    mobilePhone: "+447911123456",
    personType: "member",
    membershipStatus: "active",
    syncedTags: ["gold"],
    lastSyncedAt: T,
    sourceUpdatedAt: T - 1000,
    removedAtSourceAt: null,
    removalSourceUpdatedAt: null,
    ...overrides,
  };
}

describe("set-based row writes: shared columns as literals, the rest per row", () => {
  // Statements lift a column out of the JSON when every row shares it: each mix must store exactly the patches.
  const cases: Record<string, (i: number) => Partial<SyncPatch>> = {
    "every column shared": () => ({}),
    "every column different": (i) => ({
      firstName: `First ${i}`,
      lastName: `O'Last ${i}`,
      email: i % 2 ? null : `p${i}@example.com`,
      mobilePhone: i % 3 ? null : `+4479111234${String(i).padStart(2, "0")}`,
      personType: i % 2 ? "staff" : null,
      membershipStatus: `status ${i}`,
      syncedTags: i % 2 ? [] : ["a", `t${i}`],
      lastSyncedAt: T + i,
      sourceUpdatedAt: i % 4 ? T - i : null,
      removedAtSourceAt: i % 2 ? T - 5 : null,
      removalSourceUpdatedAt: i % 2 ? T - 7 : null,
    }),
    "awkward shared text": () => ({ firstName: "Zoë 'Q' \u0000 née", lastName: "李 😀", email: null }),
    "a non-integer time stays per row": (i) => ({ sourceUpdatedAt: i === 0 ? T + 0.5 : T }),
  };
  for (const [name, overrides] of Object.entries(cases)) {
    it(name, async () => {
      const { facility, integration } = await createSyncedFacility(db);
      const scope = { facilityId: facility.id, source: "integration" as const, integrationId: integration.id };
      const writes: RowWrite[] = Array.from({ length: 7 }, (_, i) => ({
        id: newRowId(T),
        externalId: `M-${i}`,
        write: i % 3 === 0 ? "touch" : "insert",
        patch: patch(overrides(i)),
      }));
      await drizzleHandle(db).script(rowWriteStatements(scope, { passId: null, now: T, writes }));
      const rows = await loadRows(
        drizzleHandle(db),
        scope,
        writes.map((w) => w.externalId),
      );
      expect(rows.size).toBe(writes.length);
      for (const w of writes) {
        const row = rows.get(w.externalId);
        expect(row).toMatchObject({
          ...w.patch,
          id: w.id,
          externalId: w.externalId,
          facilityId: facility.id,
          accessEnabled: true,
          trackSourceUpdates: true,
        });
        expect(row?.rowid).toEqual(expect.any(Number));
      }
      const stored = await db.select().from(accessUser).orderBy(asc(accessUser.externalId));
      expect(stored.map((r) => r.version)).toEqual(writes.map((w) => (w.write === "touch" ? 0 : 1)));
      // The same rows read across facilities carry their facility.
      const person = await loadPersonRows(drizzleHandle(db), {
        facilityIds: [facility.id],
        source: "integration",
        integrationId: integration.id,
        externalId: "M-1",
      });
      expect(person.get(facility.id)).toEqual(rows.get("M-1"));
    });
  }

  it("reads the admin's flags as booleans", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const scope = { facilityId: facility.id, source: "integration" as const, integrationId: integration.id };
    const writes: RowWrite[] = [0, 1].map((i) => ({
      id: newRowId(T),
      externalId: `M-${i}`,
      write: "insert",
      patch: patch(),
    }));
    await drizzleHandle(db).script(rowWriteStatements(scope, { passId: null, now: T, writes }));
    await db
      .update(accessUser)
      .set({ accessEnabled: false, trackSourceUpdates: false })
      .where(eq(accessUser.externalId, "M-1"));
    const rows = await loadRows(drizzleHandle(db), scope, ["M-0", "M-1", "M-unknown"]);
    expect([...rows.keys()].sort()).toEqual(["M-0", "M-1"]);
    expect(rows.get("M-0")).toMatchObject({ accessEnabled: true, trackSourceUpdates: true });
    expect(rows.get("M-1")).toMatchObject({ accessEnabled: false, trackSourceUpdates: false });
  });
});

describe("activity entries: shared columns as literals", () => {
  const origin = (organisationId: string) => ({
    organisationId,
    source: "integration" as const,
    integrationId: null,
    passId: "pas_1",
    webhookId: null,
    at: T,
  });
  const entry = (i: number, overrides: Partial<EntryToWrite> = {}): EntryToWrite => ({
    facilityId: "fac_1",
    externalId: `M-${i}`,
    name: `Person ${i}`,
    outcome: "processed",
    reason: null,
    changes: null,
    userId: `usr_${i}`,
    ...overrides,
  });
  const cases: Record<string, (i: number) => Partial<EntryToWrite>> = {
    "a uniform page": () => ({}),
    "mixed facilities, outcomes, reasons and changes": (i) => ({
      facilityId: i % 2 ? null : "fac_1",
      outcome: i % 3 ? "updated" : "skipped",
      reason: i % 2 ? `Reason 'x' ${i}` : null,
      changes: i % 2 ? [{ field: "lastName", from: "A", to: `B ${i}` }] : null,
      userId: i % 2 ? null : `usr_${i}`,
    }),
    "shared awkward values": () => ({
      reason: "O'Brien \u0000 😀",
      changes: [{ field: "syncedTags", from: ["a"], to: ["b", "é"] }],
    }),
  };
  for (const [name, overrides] of Object.entries(cases)) {
    it(name, async () => {
      const { facility } = await createSyncedFacility(db);
      const entries = Array.from({ length: 6 }, (_, i) => entry(i, overrides(i)));
      await drizzleHandle(db).script(entryStatements(origin(facility.organisationId), entries));
      // Read as JSON: the driver's text columns end at a NUL.
      const stored = await db.all<{ r: string }>(sql`
        SELECT json_array(facility_id, external_id, name, outcome, reason, changes, user_id, at, pass_id, webhook_id) AS r
        FROM activity_entry ORDER BY id`);
      const read = stored.map(({ r }) => {
        const [facilityId, externalId, name, outcome, reason, changes, userId, at, passId, webhookId] = JSON.parse(
          r,
        ) as (string | null)[];
        expect([at, passId, webhookId]).toEqual([T, "pas_1", null]);
        return {
          facilityId,
          externalId,
          name,
          outcome,
          reason,
          changes: changes == null ? null : JSON.parse(changes),
          userId,
        };
      });
      expect(read).toEqual(entries);
    });
  }
});

describe("auto-send is read in each page's transaction", () => {
  it("pages applied after Auto-send was turned on queue their people; earlier pages wait for the pass end", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = ["M-1", "M-2", "M-3", "M-4", "M-5", "M-6"].map((id) => member(id));
    const listingFor = listingsOf({ [integration.id]: memoryListing(records, { pageSize: 2 }) });
    const { pass } = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    // One page a step: the first with Auto-send off, the second after it was turned on.
    expect((await advancePass({ db, passId: pass.id, listingFor, maxPages: 1, now: T + 1 })).status).toBe("continue");
    expect(await db.$count(invitation)).toBe(0);
    await updateSyncSettings(db, facility.id, { autoSendInvitations: true }, T);
    await advancePass({ db, passId: pass.id, listingFor, maxPages: 1, now: T + 2 });
    expect(await db.$count(invitation)).toBe(2);
    const done = await runFullPass({ db, passId: pass.id, listingFor, now: T + 3 });
    expect(done.state).toBe("complete");
    expect(await db.$count(invitation)).toBe(6);
  });
});

describe("pages applied together in one transaction", () => {
  it("commits pages in groups of a transaction's worth of records, each page with its own cursor and counts", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const plain = memoryListing(members(10), { pageSize: 2 });
    const committedAtFetch: number[] = [];
    const listing: ListingPort = {
      async fetchPage(cursor) {
        committedAtFetch.push((await getPass(db, passId))?.pagesDone ?? -1);
        return plain.fetchPage(cursor);
      },
    };
    const { pass } = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    const passId = pass.id;
    const done = await runFullPass({
      db,
      passId,
      listingFor: listingsOf({ [integration.id]: listing }),
      now: T + 1,
      maxPages: 10,
      recordsPerTransaction: 4,
    });
    expect(done).toMatchObject({ state: "complete", added: 10, pagesDone: 5, recordsDone: 10 });
    // Pages 1–2 in one transaction, 3–4 in the next, then 5.
    expect(committedAtFetch).toEqual([0, 0, 2, 2, 4]);
    expect(await getPass(db, passId)).toMatchObject({ added: 10, pagesDone: 5, recordsDone: 10 });
  });

  it("a person on two pages of one transaction is planned against what the earlier page wrote", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = [
      member("M-1"),
      member("M-2"),
      member("M-1", { last_name: "Later", updated_at: "2026-11-24T10:00:00Z" }),
      member("M-2"),
    ];
    const run = async (recordsPerTransaction: number) => {
      const { pass } = await startPass({
        db,
        facilityId: facility.id,
        source: "integration",
        trigger: "manual",
        now: T + recordsPerTransaction,
      });
      const listingFor = listingsOf({ [integration.id]: memoryListing(records, { pageSize: 2 }) });
      return runFullPass({
        db,
        passId: pass.id,
        listingFor,
        now: T + recordsPerTransaction,
        maxPages: 10,
        recordsPerTransaction,
      });
    };
    const together = await run(100);
    expect(together).toMatchObject({ state: "complete", added: 2, updated: 1, processed: 1, pagesDone: 2 });
    const rows = await loadRows(
      drizzleHandle(db),
      { facilityId: facility.id, source: "integration", integrationId: integration.id },
      ["M-1", "M-2"],
    );
    expect(rows.get("M-1")?.lastName).toBe("Later");
    const entries = await listPassActivity(db, together.id);
    expect(entries.map((e) => [e.externalId, e.outcome])).toEqual([
      ["M-1", "added"],
      ["M-2", "added"],
      ["M-1", "updated"],
      ["M-2", "processed"],
    ]);
  });

  it("a database error on a later page rolls back the transaction's earlier pages; the retried step resumes and completes", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const listingFor = listingsOf({ [integration.id]: memoryListing(members(6), { pageSize: 2 }) });
    const { pass } = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    await db.run(
      sql`CREATE TRIGGER boom BEFORE INSERT ON access_user WHEN new.external_id = 'M-003' BEGIN SELECT RAISE(ABORT, 'disk full'); END`,
    );
    await expect(
      advancePass({ db, passId: pass.id, listingFor, maxPages: 10, now: T + 1, onError: "throw" }),
    ).rejects.toThrow(/disk full/);
    expect(await getPass(db, pass.id)).toMatchObject({ state: "running", pagesDone: 0, added: 0 });
    expect(await db.$count(accessUser)).toBe(0);
    expect(await db.$count(activityEntry)).toBe(0);
    await db.run(sql`DROP TRIGGER boom`);
    const done = await runFullPass({ db, passId: pass.id, listingFor, now: T + 2 });
    expect(done).toMatchObject({ state: "complete", added: 6, pagesDone: 3, recordsDone: 6 });
    expect(await db.$count(activityEntry)).toBe(6);
  });
});

describe("the pass end's sweep: one walk finds candidates and active rows", () => {
  it("finds the candidates and the active rows, and disables exactly those, entries in external id order", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(8), now: T });
    const rows = await rowsByExternalId(db, facility.id);
    // Decoupled, switched off, and already removed rows: only the removed one is not active, the decoupled one is no candidate.
    await db
      .update(accessUser)
      .set({ trackSourceUpdates: false })
      .where(eq(accessUser.id, rows.get("M-005")!.id));
    await db
      .update(accessUser)
      .set({ accessEnabled: false })
      .where(eq(accessUser.id, rows.get("M-006")!.id));
    await db
      .update(accessUser)
      .set({ removedAtSourceAt: T })
      .where(eq(accessUser.id, rows.get("M-007")!.id));
    const { pass } = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "manual",
      now: T + 10,
    });
    // One page of this pass applied (M-000 and M-001): the rest are unseen so far.
    const listingFor = listingsOf({ [integration.id]: memoryListing(members(4), { pageSize: 2 }) });
    expect((await advancePass({ db, passId: pass.id, listingFor, maxPages: 1, now: T + 11 })).status).toBe("continue");
    const scope = {
      facilityId: facility.id,
      source: "integration" as const,
      integrationKeys: [integration.id],
      passId: pass.id,
      passStartedAt: T + 10,
    };
    const found = await readSweep(db, scope);
    expect([found.candidateRowids.length, found.activeRows]).toEqual([4, 7]);
    expect(await readSweep(db, { ...scope, integrationKeys: [] })).toEqual({ candidateRowids: [], activeRows: 7 });

    const disabled = await applySweepTo(db, scope, found.candidateRowids, {
      organisationId: facility.organisationId,
      now: T + 12,
    });
    expect(disabled).toBe(4);
    const entries = await db
      .select()
      .from(activityEntry)
      .where(eq(activityEntry.outcome, "disabled"))
      .orderBy(asc(activityEntry.id));
    expect(entries.map((e) => e.externalId)).toEqual(["M-002", "M-003", "M-004", "M-006"]);
    expect(entries[0]).toMatchObject({
      facilityId: facility.id,
      passId: pass.id,
      userId: rows.get("M-002")!.id,
      reason: expect.any(String),
      changes: [{ field: "removedAtSource", from: false, to: true }],
    });
    const after = await rowsByExternalId(db, facility.id);
    expect([...after.values()].filter((r) => r.removedAtSourceAt === T + 12).map((r) => r.externalId)).toEqual([
      "M-002",
      "M-003",
      "M-004",
      "M-006",
    ]);
    // Nothing is a candidate any more.
    expect(await readSweep(db, scope)).toEqual({ candidateRowids: [], activeRows: 3 });
  });
});
