import { beforeEach, describe, expect, it } from "vitest";
import { asc, eq, sql } from "drizzle-orm";
import type { SyncPatch } from "@uas/domain";
import { accessUser, invitation, updateSyncSettings, type Db } from "../src";
import { createSyncedFacility, createTestDb, listingsOf, member } from "../src/testing";
import { runFullPass, startPass, type ListingPort } from "../src/sync";
import { loadPersonRows, loadRows, newRowId, rowWriteStatements, type RowWrite } from "../src/sync/row-store";
import { entryStatements, type EntryToWrite } from "../src/sync/activity-store";
import { drizzleHandle } from "../src/sync/store-handle";
import { T } from "./sync-helpers";

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
      const rows = await loadRows(drizzleHandle(db), scope, writes.map((w) => w.externalId));
      expect(rows.size).toBe(writes.length);
      for (const w of writes) {
        const row = rows.get(w.externalId);
        expect(row).toMatchObject({ ...w.patch, id: w.id, externalId: w.externalId, facilityId: facility.id, accessEnabled: true, trackSourceUpdates: true });
        expect(row?.rowid).toEqual(expect.any(Number));
      }
      const stored = await db.select().from(accessUser).orderBy(asc(accessUser.externalId));
      expect(stored.map((r) => r.version)).toEqual(writes.map((w) => (w.write === "touch" ? 0 : 1)));
      // The same rows read across facilities carry their facility.
      const person = await loadPersonRows(drizzleHandle(db), { facilityIds: [facility.id], source: "integration", integrationId: integration.id, externalId: "M-1" });
      expect(person.get(facility.id)).toEqual(rows.get("M-1"));
    });
  }

  it("reads the admin's flags as booleans", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const scope = { facilityId: facility.id, source: "integration" as const, integrationId: integration.id };
    const writes: RowWrite[] = [0, 1].map((i) => ({ id: newRowId(T), externalId: `M-${i}`, write: "insert", patch: patch() }));
    await drizzleHandle(db).script(rowWriteStatements(scope, { passId: null, now: T, writes }));
    await db.update(accessUser).set({ accessEnabled: false, trackSourceUpdates: false }).where(eq(accessUser.externalId, "M-1"));
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
    "shared awkward values": () => ({ reason: "O'Brien \u0000 😀", changes: [{ field: "syncedTags", from: ["a"], to: ["b", "é"] }] }),
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
        const [facilityId, externalId, name, outcome, reason, changes, userId, at, passId, webhookId] = JSON.parse(r) as (string | null)[];
        expect([at, passId, webhookId]).toEqual([T, "pas_1", null]);
        return { facilityId, externalId, name, outcome, reason, changes: changes === null ? null : JSON.parse(changes), userId };
      });
      expect(read).toEqual(entries);
    });
  }
});

describe("auto-send is read with each page", () => {
  it("a page applied after Auto-send was turned on queues its people; earlier pages wait for the pass end", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = ["M-1", "M-2", "M-3", "M-4", "M-5", "M-6"].map((id) => member(id));
    const queuedAt: number[] = [];
    const listing: ListingPort = {
      async fetchPage(cursor) {
        const start = cursor === null ? 0 : Number(cursor);
        if (start === 2) await updateSyncSettings(db, facility.id, { autoSendInvitations: true }, T);
        queuedAt.push(await db.$count(invitation));
        return { records: records.slice(start, start + 2), nextCursor: start + 2 < records.length ? String(start + 2) : null };
      },
    };
    const { pass } = await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T });
    const done = await runFullPass({ db, passId: pass.id, listingFor: listingsOf({ [integration.id]: listing }), now: T + 1, maxPages: 5 });
    expect(done.state).toBe("complete");
    // Nobody queued by the first page (Auto-send off); the second page queued its two people; the pass end everyone.
    expect(queuedAt).toEqual([0, 0, 2]);
    expect(await db.$count(invitation)).toBe(6);
  });
});
