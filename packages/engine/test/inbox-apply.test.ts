import { beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { eq, sql } from "drizzle-orm";
import { activityEntry, accessUser, invitation, webhookInbox, type Db } from "@uas/db";
import { applyInboxEvents, applySourceEvent } from "../src";
import { createSyncedFacility, createTestDb, insertCctvSourceFor, member } from "@uas/db/testing";
import { T } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

const upserted = (data: Record<string, unknown>) => ({ type: "member.upserted", data });
const removed = (externalId: string, updatedAt: string) => ({
  type: "member.removed",
  data: { external_id: externalId, location_ids: ["loc-1"], updated_at: updatedAt },
});

async function store(
  target: Db,
  sender: string,
  organisationId: string,
  events: Array<{ id: string; body: unknown }>,
  receivedAt = T,
) {
  await target.insert(webhookInbox).values(
    events.map((e, i) => ({
      sender,
      webhookId: e.id,
      organisationId,
      receivedAt: receivedAt + i,
      payload: JSON.stringify(e.body),
      state: "enqueued" as const,
    })),
  );
  return events.map((e) => ({ sender, webhookId: e.id }));
}

/** The sync-owned and admin state of every row, comparable across databases (ids differ). */
async function rowState(target: Db) {
  const rows = await target
    .select({
      facilityId: accessUser.facilityId,
      externalId: accessUser.externalId,
      lastName: accessUser.lastName,
      email: accessUser.email,
      mobilePhone: accessUser.mobilePhone,
      syncedTags: accessUser.syncedTags,
      sourceUpdatedAt: accessUser.sourceUpdatedAt,
      removedAtSourceAt: accessUser.removedAtSourceAt,
      removalSourceUpdatedAt: accessUser.removalSourceUpdatedAt,
      accessEnabled: accessUser.accessEnabled,
    })
    .from(accessUser)
    .orderBy(accessUser.externalId);
  return rows;
}

describe("applyInboxEvents (a queue batch in one transaction)", () => {
  it("applies every event of a batch, several for the same person, in arrival order; each webhook id once", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const sender = `integration:${integration.id}`;
    const keys = await store(db, sender, facility.organisationId, [
      { id: "w1", body: upserted(member("M-1", { last_name: "First", updated_at: "2026-11-24T10:00:00Z" })) },
      { id: "w2", body: upserted(member("M-2")) },
      { id: "w3", body: upserted(member("M-1", { last_name: "Second", updated_at: "2026-11-24T11:00:00Z" })) },
      // Out of order: older than w3, so it changes nothing.
      { id: "w4", body: upserted(member("M-1", { last_name: "Stale", updated_at: "2026-11-24T10:30:00Z" })) },
      { id: "w5", body: removed("M-2", "2026-11-25T10:00:00Z") },
    ]);
    // The same key twice in one batch (a duplicate delivery landing in the same batch).
    const results = await applyInboxEvents(db, { keys: [...keys, keys[0]!], now: T + 1000 });
    expect(results.map((r) => [r.webhookId, r.status])).toEqual([
      ["w1", "applied"],
      ["w2", "applied"],
      ["w3", "applied"],
      ["w4", "applied"],
      ["w5", "applied"],
    ]);
    const entries = await db.select().from(activityEntry).orderBy(activityEntry.id);
    expect(entries.map((e) => [e.webhookId, e.externalId, e.outcome])).toEqual([
      ["w1", "M-1", "added"],
      ["w2", "M-2", "added"],
      ["w3", "M-1", "updated"],
      ["w4", "M-1", "processed"],
      ["w5", "M-2", "disabled"],
    ]);
    const rows = await db.select().from(accessUser).orderBy(accessUser.externalId);
    expect(rows.map((r) => [r.externalId, r.lastName, r.removedAtSourceAt !== null])).toEqual([
      ["M-1", "Second", false],
      ["M-2", expect.any(String), true],
    ]);
    // Entries point at the row they concern, including the row created earlier in the same batch.
    const m1 = rows.find((r) => r.externalId === "M-1")!;
    expect(entries.filter((e) => e.externalId === "M-1").every((e) => e.userId === m1.id)).toBe(true);
    // A re-delivery of the whole batch changes nothing.
    const again = await applyInboxEvents(db, { keys, now: T + 2000 });
    expect(again.every((r) => r.status === "already_done")).toBe(true);
    expect(await db.$count(activityEntry)).toBe(5);
    expect((await db.select().from(webhookInbox)).every((r) => r.state === "applied" && r.attempts === 1)).toBe(true);
  });

  it("keeps events that can never apply as failed with the reason, and applies the rest of the batch", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const good = await store(db, `integration:${integration.id}`, facility.organisationId, [
      { id: "ok", body: upserted(member("M-1")) },
      { id: "bad", body: { type: "member.upserted", data: { external_id: "" } } },
    ]);
    const gone = await store(db, "integration:int_gone", facility.organisationId, [
      { id: "orphan", body: upserted(member("M-9")) },
    ]);
    const results = await applyInboxEvents(db, {
      keys: [...good, ...gone, { sender: `integration:${integration.id}`, webhookId: "never-stored" }],
      now: T,
    });
    expect(results.map((r) => [r.webhookId, r.status])).toEqual([
      ["ok", "applied"],
      ["bad", "failed"],
      ["orphan", "failed"],
      ["never-stored", "missing"],
    ]);
    const inbox = new Map((await db.select().from(webhookInbox)).map((r) => [r.webhookId, r]));
    expect(inbox.get("ok")).toMatchObject({ state: "applied", error: null });
    expect(inbox.get("bad")).toMatchObject({ state: "failed", appliedAt: null });
    expect(inbox.get("bad")!.error).toContain("data.external_id");
    expect(inbox.get("orphan")).toMatchObject({ state: "failed", error: "The sender no longer exists" });
    expect(await db.$count(accessUser)).toBe(1);
  });

  it("a database error anywhere in the batch rolls back every change and every claim; the retry applies all", async () => {
    const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    const keys = await store(
      db,
      `integration:${integration.id}`,
      facility.organisationId,
      ["M-1", "M-2", "BOOM", "M-3"].map((id) => ({ id: `w-${id}`, body: upserted(member(id)) })),
    );
    await db.run(
      sql.raw(`CREATE TRIGGER inject_fault BEFORE INSERT ON activity_entry WHEN NEW.external_id = 'BOOM'
      BEGIN SELECT RAISE(ABORT, 'injected fault'); END`),
    );
    await expect(applyInboxEvents(db, { keys, now: T })).rejects.toThrow(/injected fault/);
    expect(await db.$count(accessUser)).toBe(0);
    expect(await db.$count(activityEntry)).toBe(0);
    expect(await db.$count(invitation)).toBe(0);
    expect((await db.select().from(webhookInbox)).every((r) => r.state === "enqueued" && r.attempts === 0)).toBe(true);

    await db.run(sql.raw("DROP TRIGGER inject_fault"));
    const retried = await applyInboxEvents(db, { keys, now: T + 1 });
    expect(retried.every((r) => r.status === "applied")).toBe(true);
    expect(await db.$count(accessUser)).toBe(4);
    expect(await db.$count(invitation)).toBe(4);
  });

  it("applies CCTV events to the endpoint's facility", async () => {
    const { facility } = await createSyncedFacility(db, { cctvEnabled: true });
    await insertCctvSourceFor(db, facility.id);
    const keys = await store(db, `cctv:${facility.id}`, facility.organisationId, [
      {
        id: "c1",
        body: {
          type: "person.identified",
          data: {
            person_id: "cv-1",
            first_name: "Cam",
            last_name: "Era",
            email: "cam@example.com",
            updated_at: "2026-11-24T10:00:00Z",
          },
        },
      },
      { id: "c2", body: { type: "person.removed", data: { person_id: "cv-1", updated_at: "2026-11-24T11:00:00Z" } } },
    ]);
    expect((await applyInboxEvents(db, { keys, now: T })).map((r) => r.status)).toEqual(["applied", "applied"]);
    const [row] = await db.select().from(accessUser).where(eq(accessUser.facilityId, facility.id));
    expect(row).toMatchObject({ source: "cctv", externalId: "cv-1", email: "cam@example.com" });
    expect(row!.removedAtSourceAt).not.toBeNull();
  });

  it("any split of a delivery sequence into batches ends in the rows one-by-one application ends in", async () => {
    const event = fc.record({
      person: fc.constantFrom("P-1", "P-2", "P-3"),
      kind: fc.constantFrom("upsert", "upsert", "removal"),
      minute: fc.integer({ min: 0, max: 50 }),
      lastName: fc.constantFrom("Lovelace", "King", "Byron"),
      tags: fc.subarray(["gold", "pool"]),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { minLength: 1, maxLength: 14 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 14, maxLength: 14 }),
        async (events, sizes) => {
          const batched = await createTestDb();
          const oneByOne = await createTestDb();
          const bodies = events.map((e) => {
            const updated_at = new Date(Date.UTC(2026, 10, 24, 10, e.minute)).toISOString();
            return e.kind === "removal"
              ? removed(e.person, updated_at)
              : upserted(member(e.person, { last_name: e.lastName, tags: e.tags, updated_at }));
          });
          const a = await createSyncedFacility(batched);
          const b = await createSyncedFacility(oneByOne);
          const keys = await store(
            batched,
            `integration:${a.integration.id}`,
            a.facility.organisationId,
            bodies.map((body, i) => ({ id: `w${i}`, body })),
          );
          for (let start = 0, i = 0; start < keys.length; i += 1) {
            const size = sizes[i] ?? 1;
            await applyInboxEvents(batched, { keys: keys.slice(start, start + size), now: T + i });
            start += size;
          }
          for (const [i, body] of bodies.entries()) {
            await applySourceEvent({
              db: oneByOne,
              source: "integration",
              integrationId: b.integration.id,
              event: body,
              webhookId: `w${i}`,
              now: T,
            });
          }
          const strip = (rows: Awaited<ReturnType<typeof rowState>>) =>
            rows.map(({ facilityId: _f, removedAtSourceAt, ...rest }) => ({
              ...rest,
              removed: removedAtSourceAt !== null,
            }));
          expect(strip(await rowState(batched))).toEqual(strip(await rowState(oneByOne)));
          const outcomes = async (target: Db) =>
            (
              await target
                .select({ w: activityEntry.webhookId, o: activityEntry.outcome })
                .from(activityEntry)
                .orderBy(activityEntry.id)
            ).map((r) => `${r.w}:${r.o}`);
          expect(await outcomes(batched)).toEqual(await outcomes(oneByOne));
          batched.$client.close();
          oneByOne.$client.close();
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
