import { describe, it, expect, beforeEach } from "vitest";
import { Worker } from "node:worker_threads";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { and, eq, inArray, sql } from "drizzle-orm";
import { createNodeDb, migrateDb } from "../src/node";
import { createTestDb, createFacility, createIntegration } from "../src/testing";
import {
  accessGrant,
  accessLogEntry,
  accessUser,
  auditEntry,
  facilityIntegration,
  invitation,
  getSyncSettings,
  previewBulkDeleteScope,
  deleteBulkScope,
  BulkDeleteStaleError,
  BULK_DELETE_STALE_MESSAGE,
  updateSyncSettings,
  type BulkDeleteScope,
  type Db,
} from "../src";

const NOW = Date.UTC(2026, 10, 24, 12);
type Source = "manual" | "integration" | "cctv";

async function insertUser(
  db: Db,
  facilityId: string,
  source: Source,
  integrationId: string | null,
  externalId: string | null,
) {
  const id: string = crypto.randomUUID();
  await db.insert(accessUser).values({
    id,
    facilityId,
    source,
    integrationId,
    externalId,
    firstName: "Person",
    lastName: externalId ?? id,
    customTags: ["vip"],
    notes: "admin note",
    createdAt: NOW,
    updatedAt: NOW,
  });
  // Every user carries the things a bulk delete must remove (grant, invitation) or keep (log).
  await db.insert(accessGrant).values({ id: crypto.randomUUID(), userId: id, name: "Front door", createdAt: NOW });
  await db
    .insert(invitation)
    .values({ userId: id, facilityId, email: `${id}@example.com`, state: "sent", trigger: "auto", queuedAt: NOW });
  await db.insert(accessLogEntry).values({
    facilityId,
    userId: id,
    personName: `Person ${externalId ?? id}`,
    externalId,
    door: "Front door",
    result: "granted",
    at: NOW,
  });
  return id;
}

/** One facility with two integrations, plus manual and CCTV rows and a sibling facility with synced rows. */
async function world(db: Db) {
  const facility = await createFacility(db);
  const partnerA = await createIntegration(db, {
    organisationId: facility.organisationId,
    name: "Partner A",
    locations: { a: facility.id },
  });
  const partnerB = await createIntegration(db, {
    organisationId: facility.organisationId,
    name: "Partner B",
    locations: { b: facility.id },
  });
  const sibling = await createFacility(db, { organisationId: facility.organisationId });
  await updateSyncSettings(db, facility.id, { integrationsEnabled: true }, NOW);
  const ids = {
    a: [
      await insertUser(db, facility.id, "integration", partnerA.id, "A-1"),
      await insertUser(db, facility.id, "integration", partnerA.id, "A-2"),
    ],
    b: [await insertUser(db, facility.id, "integration", partnerB.id, "B-1")],
    manual: [await insertUser(db, facility.id, "manual", null, null)],
    cctv: [await insertUser(db, facility.id, "cctv", null, "cv-1")],
    sibling: [await insertUser(db, sibling.id, "integration", partnerA.id, "A-1")],
  };
  return { facility, partnerA, partnerB, sibling, ids };
}

type World = Awaited<ReturnType<typeof world>>;

async function confirm(db: Db, w: World, scope: BulkDeleteScope, token: string, alsoTurnOff = true) {
  return deleteBulkScope(db, {
    facilityId: w.facility.id,
    organisationId: w.facility.organisationId,
    scope,
    token,
    alsoTurnOff,
    actorUserId: "usr_admin",
    now: NOW + 1,
  });
}

async function snapshot(db: Db) {
  return {
    users: await db.select().from(accessUser).orderBy(accessUser.id),
    grants: await db.select().from(accessGrant).orderBy(accessGrant.id),
    invitations: await db.select().from(invitation).orderBy(invitation.userId),
    log: await db.select().from(accessLogEntry).orderBy(accessLogEntry.id),
    audit: await db.select().from(auditEntry),
    optIns: await db.select().from(facilityIntegration).orderBy(facilityIntegration.integrationId),
  };
}

describe("bulk delete: preview", () => {
  let db: Db;
  let w: World;
  beforeEach(async () => {
    db = await createTestDb();
    w = await world(db);
  });

  it("counts only this facility's integration-synced rows, per scope, with a named sample", async () => {
    const all = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
    expect(all.count).toBe(3);
    expect(all.sample.map((s) => s.externalId).sort()).toEqual(["A-1", "A-2", "B-1"]);
    expect(all.sample.find((s) => s.externalId === "B-1")).toMatchObject({
      name: "Person B-1",
      integrationName: "Partner B",
    });

    const onlyA = await previewBulkDeleteScope(db, w.facility.id, {
      kind: "integration",
      integrationId: w.partnerA.id,
    });
    expect(onlyA.count).toBe(2);
    expect(onlyA.sample.map((s) => s.id).sort()).toEqual([...w.ids.a].sort());
  });

  it("caps the sample but not the count", async () => {
    const preview = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" }, 2);
    expect(preview.count).toBe(3);
    expect(preview.sample).toHaveLength(2);
  });

  it("gives the same token for the same set, and another for another scope or facility", async () => {
    const first = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
    const again = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
    const onlyB = await previewBulkDeleteScope(db, w.facility.id, {
      kind: "integration",
      integrationId: w.partnerB.id,
    });
    const sibling = await previewBulkDeleteScope(db, w.sibling.id, { kind: "all" });
    expect(again.token).toBe(first.token);
    expect(new Set([first.token, onlyB.token, sibling.token]).size).toBe(3);
  });
});

describe("bulk delete: confirm", () => {
  let db: Db;
  let w: World;
  beforeEach(async () => {
    db = await createTestDb();
    w = await world(db);
  });

  it("fails and deletes nothing when a user was added between preview and confirm", async () => {
    const { token } = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
    await insertUser(db, w.facility.id, "integration", w.partnerB.id, "B-2");
    const before = await snapshot(db);
    const attempt = confirm(db, w, { kind: "all" }, token);
    await expect(attempt).rejects.toBeInstanceOf(BulkDeleteStaleError);
    await expect(attempt).rejects.toThrow(BULK_DELETE_STALE_MESSAGE);
    expect(await snapshot(db)).toEqual(before);
    expect((await getSyncSettings(db, w.facility.id))?.integrationsEnabled).toBe(true);
  });

  it("fails and deletes nothing when a previewed row was written since (version bumped)", async () => {
    const scope: BulkDeleteScope = { kind: "integration", integrationId: w.partnerA.id };
    const { token } = await previewBulkDeleteScope(db, w.facility.id, scope);
    await db.update(accessUser).set({ firstName: "Renamed", version: 2 }).where(eq(accessUser.id, w.ids.a[0]!));
    const before = await snapshot(db);
    await expect(confirm(db, w, scope, token)).rejects.toBeInstanceOf(BulkDeleteStaleError);
    expect(await snapshot(db)).toEqual(before);
  });

  it("notices a write to the last row of a set spanning several fingerprint chunks", async () => {
    const rows = Array.from({ length: 12_000 }, (_, i) => ({
      id: `au_${String(i).padStart(6, "0")}`,
      facilityId: w.facility.id,
      source: "integration" as const,
      integrationId: w.partnerB.id,
      externalId: `bulk-${i}`,
      createdAt: NOW,
      updatedAt: NOW,
    }));
    for (let i = 0; i < rows.length; i += 500) await db.insert(accessUser).values(rows.slice(i, i + 500));
    const scope: BulkDeleteScope = { kind: "integration", integrationId: w.partnerB.id };
    const preview = await previewBulkDeleteScope(db, w.facility.id, scope);
    expect(preview.count).toBe(12_001);
    await db.update(accessUser).set({ version: 2 }).where(eq(accessUser.id, "au_011999"));
    await expect(confirm(db, w, scope, preview.token)).rejects.toBeInstanceOf(BulkDeleteStaleError);
    const again = await previewBulkDeleteScope(db, w.facility.id, scope);
    expect(await confirm(db, w, scope, again.token)).toEqual({ deleted: 12_001 });
    // 12,000 rows written and deleted twice: over the 5 s default on a loaded 2-core machine.
  }, 30_000);

  it("fails when a previewed user is gone, and refuses a token of another scope", async () => {
    const all = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
    await expect(
      confirm(db, w, { kind: "integration", integrationId: w.partnerA.id }, all.token),
    ).rejects.toBeInstanceOf(BulkDeleteStaleError);
    await db.delete(accessGrant).where(eq(accessGrant.userId, w.ids.b[0]!));
    await db.delete(invitation).where(eq(invitation.userId, w.ids.b[0]!));
    await db.delete(accessUser).where(eq(accessUser.id, w.ids.b[0]!));
    await expect(confirm(db, w, { kind: "all" }, all.token)).rejects.toBeInstanceOf(BulkDeleteStaleError);
    expect(await db.$count(accessUser, eq(accessUser.source, "integration"))).toBe(3);
  });

  it("deletes the rows with their grants and invitations, and keeps their access log with name and external id", async () => {
    const { token, count } = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
    const logBefore = await db.select().from(accessLogEntry).orderBy(accessLogEntry.id);
    expect(await confirm(db, w, { kind: "all" }, token)).toEqual({ deleted: count });

    const deleted = [...w.ids.a, ...w.ids.b];
    expect(await db.$count(accessUser, inArray(accessUser.id, deleted))).toBe(0);
    expect(await db.$count(accessGrant, inArray(accessGrant.userId, deleted))).toBe(0);
    expect(await db.$count(invitation, inArray(invitation.userId, deleted))).toBe(0);

    const logAfter = await db.select().from(accessLogEntry).orderBy(accessLogEntry.id);
    expect(logAfter).toHaveLength(logBefore.length);
    for (const entry of logBefore.filter((e) => deleted.includes(e.userId ?? ""))) {
      expect(logAfter.find((e) => e.id === entry.id)).toEqual({ ...entry, userId: null });
    }
    expect(
      logAfter
        .filter((e) => e.userId === null)
        .map((e) => e.externalId)
        .sort(),
    ).toEqual(["A-1", "A-2", "B-1"]);
  });

  it("keeps an entry's external id when the log line was written without one", async () => {
    await db.update(accessLogEntry).set({ externalId: null }).where(eq(accessLogEntry.userId, w.ids.b[0]!));
    const scope: BulkDeleteScope = { kind: "integration", integrationId: w.partnerB.id };
    const { token } = await previewBulkDeleteScope(db, w.facility.id, scope);
    await confirm(db, w, scope, token);
    const [entry] = await db.select().from(accessLogEntry).where(eq(accessLogEntry.personName, "Person B-1"));
    expect(entry).toMatchObject({ userId: null, externalId: "B-1" });
  });

  it("leaves manual rows, CCTV rows and another facility's rows exactly as they were", async () => {
    const kept = [...w.ids.manual, ...w.ids.cctv, ...w.ids.sibling];
    const rowsOf = async () => ({
      users: await db.select().from(accessUser).where(inArray(accessUser.id, kept)).orderBy(accessUser.id),
      grants: await db.select().from(accessGrant).where(inArray(accessGrant.userId, kept)).orderBy(accessGrant.id),
      invitations: await db
        .select()
        .from(invitation)
        .where(inArray(invitation.userId, kept))
        .orderBy(invitation.userId),
      log: await db
        .select()
        .from(accessLogEntry)
        .where(inArray(accessLogEntry.userId, kept))
        .orderBy(accessLogEntry.id),
    });
    const before = await rowsOf();
    expect(before.users).toHaveLength(3);
    const { token } = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
    await confirm(db, w, { kind: "all" }, token);
    expect(await rowsOf()).toEqual(before);
  });

  it("one integration with the turn-off ticked: opts this facility out of it only, and audits", async () => {
    const scope: BulkDeleteScope = { kind: "integration", integrationId: w.partnerA.id };
    const { token } = await previewBulkDeleteScope(db, w.facility.id, scope);
    await confirm(db, w, scope, token, true);
    expect(await db.$count(accessUser, eq(accessUser.integrationId, w.partnerB.id))).toBe(1);
    const optIns = await db.select().from(facilityIntegration).where(eq(facilityIntegration.facilityId, w.facility.id));
    expect(Object.fromEntries(optIns.map((o) => [o.integrationId, o.enabled]))).toEqual({
      [w.partnerA.id]: false,
      [w.partnerB.id]: true,
    });
    expect((await getSyncSettings(db, w.facility.id))?.integrationsEnabled).toBe(true);
    expect(await db.select().from(auditEntry)).toEqual([
      expect.objectContaining({
        organisationId: w.facility.organisationId,
        facilityId: w.facility.id,
        actorUserId: "usr_admin",
        action: "bulk_delete_synced_users",
        detail: { scope: "integration", integrationId: w.partnerA.id, count: 2, alsoTurnOff: true },
        at: NOW + 1,
      }),
    ]);
  });

  it("all integrations with the turn-off ticked: turns the Integrations source off", async () => {
    const { token } = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
    await confirm(db, w, { kind: "all" }, token, true);
    expect((await getSyncSettings(db, w.facility.id))?.integrationsEnabled).toBe(false);
  });

  it("with the turn-off unticked, the settings and opt-ins stay as they were", async () => {
    for (const scope of [{ kind: "integration", integrationId: w.partnerA.id }, { kind: "all" }] as BulkDeleteScope[]) {
      const settings = await getSyncSettings(db, w.facility.id);
      const optIns = await db.select().from(facilityIntegration).orderBy(facilityIntegration.integrationId);
      const { token } = await previewBulkDeleteScope(db, w.facility.id, scope);
      await confirm(db, w, scope, token, false);
      expect(await getSyncSettings(db, w.facility.id)).toEqual(settings);
      expect(await db.select().from(facilityIntegration).orderBy(facilityIntegration.integrationId)).toEqual(optIns);
    }
    expect(
      await db.$count(accessUser, and(eq(accessUser.facilityId, w.facility.id), eq(accessUser.source, "integration"))),
    ).toBe(0);
  });
});

/**
 * A sync that holds the write lock on another thread, adds a user in scope, and commits after `holdMs`.
 * Resolves once the lock is held.
 */
async function concurrentSyncInsert(
  file: string,
  user: { id: string; facilityId: string; integrationId: string },
  holdMs: number,
) {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads");
    const Database = require("libsql");
    const db = new Database(workerData.file);
    db.exec("BEGIN IMMEDIATE");
    db.prepare("INSERT INTO access_user (id, facility_id, source, integration_id, external_id, created_at, updated_at) VALUES (?, ?, 'integration', ?, 'LATE-1', 0, 0)")
      .run(workerData.user.id, workerData.user.facilityId, workerData.user.integrationId);
    parentPort.postMessage("locked");
    setTimeout(() => { db.exec("COMMIT"); db.close(); parentPort.postMessage("committed"); }, workerData.holdMs);
    `,
    { eval: true, workerData: { file, user, holdMs } },
  );
  await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return worker;
}

describe("bulk delete against a concurrent sync", () => {
  it("a user committed while the confirm waits for the write lock makes it fail, and deletes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uas-bulk-delete-"));
    const file = join(dir, "test.db");
    const db = createNodeDb({ url: `file:${file}` });
    try {
      await db.run(sql`PRAGMA journal_mode = WAL`);
      await migrateDb(db);
      const w = await world(db);
      const { token, count } = await previewBulkDeleteScope(db, w.facility.id, { kind: "all" });
      const late = { id: "au_late", facilityId: w.facility.id, integrationId: w.partnerB.id };
      const worker = await concurrentSyncInsert(file, late, 300);
      // The confirm's BEGIN IMMEDIATE waits on SQLite's busy handler until the other thread commits.
      await db.run(sql`PRAGMA busy_timeout = 5000`);
      await expect(confirm(db, w, { kind: "all" }, token)).rejects.toBeInstanceOf(BulkDeleteStaleError);
      await worker.terminate();
      const inScope = and(eq(accessUser.facilityId, w.facility.id), eq(accessUser.source, "integration"));
      expect(await db.$count(accessUser, inScope)).toBe(count + 1);
      expect(await db.$count(accessGrant)).toBe(6);
      expect(await db.$count(auditEntry)).toBe(0);
    } finally {
      db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
