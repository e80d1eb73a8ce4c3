import { beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { accessUser, activityEntry, webhookInbox, type Db } from "@uas/db";
import { applyInboxEvents } from "../src";
import { createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { T } from "./sync-helpers";
import { watched } from "./watched-client";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

const upserted = (data: Record<string, unknown>) => ({ type: "member.upserted", data });

async function store(sender: string, organisationId: string, events: Array<{ id: string; body: unknown }>) {
  await db.insert(webhookInbox).values(
    events.map((e, i) => ({
      sender,
      webhookId: e.id,
      organisationId,
      receivedAt: T + i,
      payload: JSON.stringify(e.body),
      state: "enqueued" as const,
    })),
  );
  return events.map((e) => ({ sender, webhookId: e.id }));
}

describe("applyInboxEvents holds the write lock for one round trip", () => {
  it("sends the check, the claim and the writes as one script, without a transaction held across round trips", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const keys = await store(`integration:${integration.id}`, facility.organisationId, [
      { id: "w1", body: upserted(member("M-1")) },
      { id: "w2", body: upserted(member("M-2")) },
    ]);
    const { db: client, seen } = watched(db);
    const results = await applyInboxEvents(client, { keys, now: T + 1000 });
    expect(results.map((r) => r.status)).toEqual(["applied", "applied"]);
    expect(seen).toEqual({ transactions: 0, scripts: 1 });
    expect(await db.$count(accessUser)).toBe(2);
    expect((await db.select().from(activityEntry)).map((e) => [e.webhookId, e.outcome])).toEqual([
      ["w1", "added"],
      ["w2", "added"],
    ]);
  });

  it("a person written by someone else after the read: nothing of the script stays, and the batch is applied to what is stored now", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const sender = `integration:${integration.id}`;
    await applyInboxEvents(db, {
      keys: await store(sender, facility.organisationId, [
        { id: "w0", body: upserted(member("M-1", { last_name: "First", updated_at: "2026-11-24T10:00:00Z" })) },
      ]),
      now: T,
    });
    const keys = await store(sender, facility.organisationId, [
      { id: "w1", body: upserted(member("M-1", { last_name: "Webhook", updated_at: "2026-11-24T11:00:00Z" })) },
      { id: "w2", body: upserted(member("M-2")) },
    ]);
    // A pass page (or an admin) writes M-1 between the batch's read and its write, with newer data.
    const { db: client, seen } = watched(db, async () => {
      await db.run(
        sql`UPDATE access_user SET last_name = 'Pass', source_updated_at = ${Date.parse("2026-11-24T12:00:00Z")}
          WHERE external_id = 'M-1'`,
      );
    });
    const results = await applyInboxEvents(client, { keys, now: T + 1000 });
    expect(results.map((r) => r.status)).toEqual(["applied", "applied"]);
    expect(seen.transactions).toBe(1);
    // Planned against the newer row: the older event changes nothing, and nothing was written twice.
    const [m1] = await db.select().from(accessUser).where(eq(accessUser.externalId, "M-1"));
    expect(m1!.lastName).toBe("Pass");
    expect((await db.select().from(activityEntry)).map((e) => [e.webhookId, e.outcome])).toEqual([
      ["w0", "added"],
      ["w1", "processed"],
      ["w2", "added"],
    ]);
    expect(await db.$count(accessUser)).toBe(2);
    expect((await db.select().from(webhookInbox)).every((r) => r.state === "applied" && r.attempts === 1)).toBe(true);
  });

  it("a duplicate delivery applied by another consumer after the read: acknowledged as done, applied once", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const keys = await store(`integration:${integration.id}`, facility.organisationId, [
      { id: "w1", body: upserted(member("M-1")) },
    ]);
    const { db: client, seen } = watched(db, async () => {
      expect((await applyInboxEvents(db, { keys, now: T })).map((r) => r.status)).toEqual(["applied"]);
    });
    const results = await applyInboxEvents(client, { keys, now: T + 1000 });
    expect(results.map((r) => r.status)).toEqual(["already_done"]);
    expect(seen.transactions).toBe(1);
    expect(await db.$count(activityEntry)).toBe(1);
    expect(await db.$count(accessUser)).toBe(1);
    const [row] = await db.select().from(webhookInbox);
    expect(row).toMatchObject({ state: "applied", attempts: 1, appliedAt: T });
  });
});
