import { beforeEach, describe, expect, it } from "vitest";
import { asc, eq } from "drizzle-orm";
import { accessGrant, accessUser, activityEntry, invitation, webhookInbox, type Db } from "@uas/db";
import { applyInboxEvents, applySourceEvent } from "../src";
import { createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { T, rowsByExternalId } from "./sync-helpers";

/**
 * Profile merges at the source (Mindbody clientProfileMerger.created, stored as `member.merged`): the kept
 * person takes over the removed person's row instead of one row disabled as a leaver and another added.
 */
let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

const upserted = (data: Record<string, unknown>) => ({ type: "member.upserted", data });
const merged = (kept: Record<string, unknown>, removedExternalId: string) => ({
  type: "member.merged",
  data: { ...kept, merged_external_id: removedExternalId },
});

async function setUp() {
  const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
  const apply = (event: unknown, now: number, webhookId: string | null = null) =>
    applySourceEvent({ db, source: "integration", integrationId: integration.id, event, webhookId, now });
  return { facility, integration, apply };
}

/** What an admin did for a person: notes, a custom tag, a grant. */
async function adminTouches(userId: string, input: { notes: string; tag: string; grant: string }) {
  await db
    .update(accessUser)
    .set({ notes: input.notes, customTags: [input.tag] })
    .where(eq(accessUser.id, userId));
  await db.insert(accessGrant).values({ id: `g-${input.grant}`, userId, name: input.grant, createdAt: T });
}

const grantsOf = async (userId: string) =>
  (await db.select().from(accessGrant).where(eq(accessGrant.userId, userId))).map((g) => g.name).sort();

describe("a profile merge at the source", () => {
  it("hands the removed person's row to the kept person: admin-owned fields, grants and invitation stay, one entry says so", async () => {
    const { facility, apply } = await setUp();
    await apply(upserted(member("R-1", { first_name: "Rita", last_name: "Old" })), T);
    const before = (await rowsByExternalId(db, facility.id)).get("R-1")!;
    await adminTouches(before.id, { notes: "Key fob 17", tag: "staff", grant: "Pool" });
    expect(await db.$count(invitation)).toBe(1);

    const kept = member("K-1", { first_name: "Rita", last_name: "New", updated_at: "2026-11-24T08:00:00Z" });
    const result = await apply(merged(kept, "R-1"), T + 1000, "msg-merge");
    expect(result).toMatchObject({ status: "applied", entries: [{ outcome: "updated", userId: before.id }] });

    const rows = await rowsByExternalId(db, facility.id);
    expect([...rows.keys()]).toEqual(["K-1"]);
    const row = rows.get("K-1")!;
    // The same row: its id, what the admin set, and the kept person's details (even though the kept
    // record's updated_at is older than what the removed person's row had taken).
    expect(row).toMatchObject({
      id: before.id,
      lastName: "New",
      email: "k-1@example.com",
      notes: "Key fob 17",
      customTags: ["staff"],
      removedAtSourceAt: null,
    });
    expect(await grantsOf(before.id)).toEqual(["Pool"]);
    const invitations = await db.select().from(invitation);
    expect(invitations.map((i) => i.userId)).toEqual([before.id]);

    const [entry] = await db.select().from(activityEntry).where(eq(activityEntry.webhookId, "msg-merge"));
    expect(entry).toMatchObject({ externalId: "K-1", outcome: "updated", userId: before.id });
    expect(entry?.reason).toContain("Merged at the source with Rita Old (R-1)");
    expect(entry?.changes).toContainEqual({ field: "externalId", from: "R-1", to: "K-1" });
    expect(await db.$count(activityEntry, eq(activityEntry.outcome, "disabled"))).toBe(0);

    // A replay (Mindbody retries for hours) finds nothing to take over: Processed, nothing changes.
    const again = await apply(merged(kept, "R-1"), T + 2000, "msg-merge");
    expect(again).toMatchObject({ status: "applied", entries: [{ outcome: "processed" }] });
    const after = await rowsByExternalId(db, facility.id);
    expect(after.get("K-1")).toEqual(row);
    expect(await db.$count(invitation)).toBe(1);
  });

  it("when both people have rows, the removed person's row survives with the kept person's details; the other is folded in and gone", async () => {
    const { facility, apply } = await setUp();
    await apply(upserted(member("R-2", { last_name: "Removed" })), T);
    await apply(upserted(member("K-2", { last_name: "Kept", updated_at: "2026-11-24T09:30:00Z" })), T);
    const first = await rowsByExternalId(db, facility.id);
    const survivor = first.get("R-2")!;
    const retired = first.get("K-2")!;
    await adminTouches(survivor.id, { notes: "Paid cash", tag: "staff", grant: "Pool" });
    await adminTouches(retired.id, { notes: "Prefers mornings", tag: "vip", grant: "Sauna" });
    // Each had been invited; the survivor's invitation stays and nobody is invited again.
    expect(await db.$count(invitation)).toBe(2);

    const kept = member("K-2", { last_name: "Kept", updated_at: "2026-11-24T09:30:00Z" });
    const result = await apply(merged(kept, "R-2"), T + 1000, "msg-fold");
    expect(result).toMatchObject({ status: "applied", entries: [{ outcome: "updated", userId: survivor.id }] });

    const rows = await db.select().from(accessUser).where(eq(accessUser.facilityId, facility.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: survivor.id,
      externalId: "K-2",
      lastName: "Kept",
      email: "k-2@example.com",
      customTags: ["staff", "vip"],
      notes: "Paid cash\n\nPrefers mornings",
      accessEnabled: true,
    });
    expect(await grantsOf(survivor.id)).toEqual(["Pool", "Sauna"]);
    expect(await grantsOf(retired.id)).toEqual([]);
    expect((await db.select().from(invitation)).map((i) => i.userId)).toEqual([survivor.id]);
    const [entry] = await db.select().from(activityEntry).where(eq(activityEntry.webhookId, "msg-fold"));
    expect(entry?.reason).toContain("Merged at the source with Ada Removed (R-2)");

    await apply(merged(kept, "R-2"), T + 2000, "msg-fold");
    expect(await db.$count(accessUser)).toBe(1);
    expect(await db.$count(invitation)).toBe(1);
  });

  it("is a plain upsert when the removed person was never synced", async () => {
    const { facility, apply } = await setUp();
    const result = await apply(merged(member("K-3"), "R-never"), T, "msg-plain");
    expect(result).toMatchObject({ status: "applied", entries: [{ outcome: "added", reason: null }] });
    expect([...(await rowsByExternalId(db, facility.id)).keys()]).toEqual(["K-3"]);
  });

  it("never reaches another organisation's row with the same external id", async () => {
    const { facility, apply } = await setUp();
    const other = await createSyncedFacility(db);
    await applySourceEvent({
      db,
      source: "integration",
      integrationId: other.integration.id,
      event: upserted(member("R-4")),
      webhookId: null,
      now: T,
    });
    await apply(merged(member("K-4"), "R-4"), T + 1000);
    expect([...(await rowsByExternalId(db, other.facility.id)).keys()]).toEqual(["R-4"]);
    expect([...(await rowsByExternalId(db, facility.id)).keys()]).toEqual(["K-4"]);
  });

  it("applies in order within one queue batch: the removed person's upsert, then the merge", async () => {
    const { facility, integration } = await setUp();
    const sender = `integration:${integration.id}`;
    const events = [
      { id: "e1", body: upserted(member("R-5", { last_name: "Early" })) },
      { id: "e2", body: merged(member("K-5"), "R-5") },
    ];
    await db.insert(webhookInbox).values(
      events.map((e, i) => ({
        sender,
        webhookId: e.id,
        organisationId: facility.organisationId,
        receivedAt: T + i,
        payload: JSON.stringify(e.body),
        state: "enqueued" as const,
      })),
    );
    const results = await applyInboxEvents(db, { keys: events.map((e) => ({ sender, webhookId: e.id })), now: T });
    expect(results.map((r) => r.status)).toEqual(["applied", "applied"]);
    const rows = await db
      .select()
      .from(accessUser)
      .where(eq(accessUser.facilityId, facility.id))
      .orderBy(asc(accessUser.externalId));
    expect(rows.map((r) => r.externalId)).toEqual(["K-5"]);
    const entries = await db.select().from(activityEntry).orderBy(asc(activityEntry.id));
    expect(entries.map((e) => [e.externalId, e.outcome])).toEqual([
      ["R-5", "added"],
      ["K-5", "updated"],
    ]);
    expect(entries[1]?.userId).toBe(entries[0]?.userId);
    expect(await db.$count(invitation)).toBe(1);
  });
});
