import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import {
  accessUser,
  insertManualUser,
  invitation,
  markInvitationFailed,
  markInvitationSent,
  setFacilityIntegration,
  updateSyncSettings,
  type Db,
} from "@uas/db";
import { countAutoSendCandidates, drizzleHandle } from "../src";
import { applySourceEvent } from "../src";
import { createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { memoryListing } from "../src/testing";
import { T, integrationPass, members, rowsByExternalId } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

const upserted = (data: Record<string, unknown>) => ({ type: "member.upserted", data });

async function invitationsOf(db: Db, facilityId: string) {
  const rows = await db.select().from(invitation).where(eq(invitation.facilityId, facilityId));
  const users = await rowsByExternalId(db, facilityId);
  const externalIdOf = new Map([...users].map(([externalId, row]) => [row.id, externalId]));
  return new Map(rows.map((row) => [externalIdOf.get(row.userId) ?? row.userId, row]));
}

describe("auto-send: the count asked before turning it on", () => {
  it("is exactly who the next pass invites once it is on", async () => {
    const { facility, integration } = await createSyncedFacility(db, { cctvEnabled: false });
    const records = members(6, (i) => (i === 5 ? { email: null, mobile_phone: "+447911123456" } : {}));
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const rows = await rowsByExternalId(db, facility.id);
    const id = (externalId: string) => rows.get(externalId)!.id;
    await db
      .update(accessUser)
      .set({ accessEnabled: false })
      .where(eq(accessUser.id, id("M-000")));
    await db
      .update(accessUser)
      .set({ trackSourceUpdates: false })
      .where(eq(accessUser.id, id("M-001")));
    const invite = (userId: string, state: "sent" | "failed") =>
      db
        .insert(invitation)
        .values({ userId, facilityId: facility.id, email: "x@example.com", state, trigger: "auto", queuedAt: T });
    await invite(id("M-002"), "sent");
    await invite(id("M-003"), "failed");
    // A manual user with an email: Auto-send is for synced users only.
    await insertManualUser(
      db,
      { facilityId: facility.id, firstName: "Manu", lastName: "Al", email: "manu@example.com", mobilePhone: null },
      T,
    );

    const shown = await countAutoSendCandidates(drizzleHandle(db), facility.id, T);
    expect(shown).toBe(2); // M-003 (its send failed) and M-004

    await updateSyncSettings(db, facility.id, { autoSendInvitations: true }, T);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T + 10 });
    const queued = [...(await invitationsOf(db, facility.id))]
      .filter(([, row]) => row.state === "queued")
      .map(([externalId]) => externalId);
    expect(queued.sort()).toEqual(["M-003", "M-004"]);
    expect(queued.length).toBe(shown);
  });

  it("counts nobody of a source that is off or an integration the facility opted out of", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(3), now: T });
    expect(await countAutoSendCandidates(drizzleHandle(db), facility.id, T)).toBe(3);
    await setFacilityIntegration(db, { facilityId: facility.id, integrationId: integration.id, enabled: false });
    expect(await countAutoSendCandidates(drizzleHandle(db), facility.id, T)).toBe(0);
    await setFacilityIntegration(db, { facilityId: facility.id, integrationId: integration.id, enabled: true });
    await updateSyncSettings(db, facility.id, { integrationsEnabled: false }, T);
    expect(await countAutoSendCandidates(drizzleHandle(db), facility.id, T)).toBe(0);
  });
});

describe("auto-send: the outbox rows sync writes", () => {
  it("queues nobody while Auto-send is off (the default)", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(4), now: T });
    expect(await db.$count(invitation)).toBe(0);
  });

  it("queues one invitation per synced row with effective access and an email, in the pass's transactions", async () => {
    const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    const records = [
      member("M-1"),
      member("M-2", { email: null, mobile_phone: "+447911123456" }),
      member("M-3"),
      member("M-4"),
    ];
    const pass = await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    expect(pass.added).toBe(4);
    const queued = await invitationsOf(db, facility.id);
    expect([...queued.keys()].sort()).toEqual(["M-1", "M-3", "M-4"]);
    expect(queued.get("M-1")).toMatchObject({
      state: "queued",
      trigger: "auto",
      email: "m-1@example.com",
      attempts: 0,
      generation: 0,
      enqueuedAt: null,
    });
    // A manual user is never auto-invited.
    await insertManualUser(
      db,
      {
        facilityId: facility.id,
        firstName: "Staff",
        lastName: "Member",
        email: "staff@example.com",
        mobilePhone: null,
      },
      T,
    );
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T + 10 });
    expect(await db.$count(invitation)).toBe(3);
  });

  it("queues with each page, so the pages a failed pass committed are invited too", async () => {
    const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    const listing = memoryListing(members(5), { pageSize: 2, failAtPage: 1 });
    const pass = await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, listing, now: T });
    expect(pass.state).toBe("failed");
    expect([...(await invitationsOf(db, facility.id)).keys()].sort()).toEqual(["M-000", "M-001"]);
  });

  it("skips rows switched off by an admin, removed at the source, or decoupled", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(4), now: T });
    const rows = await rowsByExternalId(db, facility.id);
    await db
      .update(accessUser)
      .set({ accessEnabled: false })
      .where(eq(accessUser.id, rows.get("M-000")!.id));
    await db
      .update(accessUser)
      .set({ trackSourceUpdates: false })
      .where(eq(accessUser.id, rows.get("M-001")!.id));
    await updateSyncSettings(db, facility.id, { autoSendInvitations: true }, T);
    // Removed by a removal newer than the listing's records, so the pass keeps it removed.
    await db
      .update(accessUser)
      .set({ removedAtSourceAt: T, removalSourceUpdatedAt: Date.parse("2026-11-25T00:00:00Z") })
      .where(eq(accessUser.id, rows.get("M-002")!.id));
    await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: members(4),
      now: T + 10,
    });
    expect([...(await invitationsOf(db, facility.id)).keys()]).toEqual(["M-003"]);
  });

  it("turning Auto-send on invites the people already synced at the next pass (Processed, nothing changed)", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(3), now: T });
    expect(await db.$count(invitation)).toBe(0);
    await updateSyncSettings(db, facility.id, { autoSendInvitations: true }, T);
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: members(3),
      now: T + 10,
    });
    expect(pass.processed).toBe(3);
    expect((await invitationsOf(db, facility.id)).size).toBe(3);
  });

  it("queues at the end of a pass the eligible rows no page touched (e.g. paged past before Auto-send was on)", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(3), now: T });
    await updateSyncSettings(db, facility.id, { autoSendInvitations: true }, T);
    // A listing that no longer names M-002 would sweep it; one that is empty still ends in a complete pass
    // whose end-of-pass step invites every eligible row left.
    const rows = await rowsByExternalId(db, facility.id);
    await db
      .update(accessUser)
      .set({ trackSourceUpdates: false })
      .where(eq(accessUser.id, rows.get("M-002")!.id));
    await updateSyncSettings(db, facility.id, { massDisablePercent: 100, massDisableMinimum: 1000 }, T);
    await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: [member("M-000")],
      now: T + 10,
    });
    // M-001 was swept (removed at the source): no access, no invitation. M-002 is decoupled.
    expect([...(await invitationsOf(db, facility.id)).keys()]).toEqual(["M-000"]);
  });

  it("a webhook queues in its own transaction; a skipped event queues nothing", async () => {
    const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    const apply = (data: Record<string, unknown>, webhookId: string) =>
      applySourceEvent({
        db,
        source: "integration",
        integrationId: integration.id,
        event: upserted(data),
        webhookId,
        now: T,
      });
    await apply(member("M-1"), "w1");
    await apply(member("M-2", { email: null, mobile_phone: null }), "w2"); // Skipped: no identifier
    expect([...(await invitationsOf(db, facility.id)).keys()]).toEqual(["M-1"]);
    // The same event again (Processed) and an update never add a second row.
    await apply(member("M-1"), "w1-again");
    await apply(member("M-1", { first_name: "Ann", updated_at: "2026-11-24T10:00:00Z" }), "w3");
    expect(await db.$count(invitation)).toBe(1);
  });

  it("rolls back with the change it belongs to", async () => {
    const { integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    await expect(
      db.transaction(async (tx) => {
        await applySourceEvent({
          db: tx as unknown as Db,
          source: "integration",
          integrationId: integration.id,
          event: upserted(member("M-1")),
          webhookId: "w1",
          now: T,
        });
        expect(await tx.$count(invitation)).toBe(1);
        throw new Error("crash before commit");
      }),
    ).rejects.toThrow("crash before commit");
    expect(await db.$count(accessUser)).toBe(0);
    expect(await db.$count(invitation)).toBe(0);
  });

  it("retries a failed send at the next pass under the same generation, and never touches a sent one", async () => {
    const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(2), now: T });
    const before = await invitationsOf(db, facility.id);
    const failed = before.get("M-000")!;
    const sent = before.get("M-001")!;
    await markInvitationFailed(db, { userId: failed.userId, generation: 0, error: "The email provider answered 503" });
    await markInvitationSent(db, { userId: sent.userId, generation: 0, providerMessageId: "msg_1", now: T + 1 });
    await db
      .update(invitation)
      .set({ enqueuedAt: T, claimedUntil: T + 5 })
      .where(eq(invitation.userId, failed.userId));

    await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: members(2),
      now: T + 100,
    });
    const after = await invitationsOf(db, facility.id);
    expect(after.get("M-000")).toMatchObject({
      state: "queued",
      generation: 0,
      queuedAt: T + 101,
      enqueuedAt: null,
      claimedUntil: null,
    });
    expect(after.get("M-001")).toEqual({ ...sent, state: "sent", sentAt: T + 1, providerMessageId: "msg_1" });
  });
});
