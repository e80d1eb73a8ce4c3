import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import {
  accessUser,
  claimInvitationForSend,
  claimStaleInvitations,
  claimUnenqueuedInvitations,
  countBulkInvitations,
  createInvitationBatch,
  findInvitation,
  insertManualUser,
  invitation,
  invitationBatchProgress,
  invitationIdempotencyKey,
  markInvitationFailed,
  markInvitationSent,
  releaseEnqueueClaims,
  releaseInvitationClaim,
  type Db,
} from "../src";
import { createFacility, createTestDb } from "../src/testing";
import { T } from "./clock";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

type Person = { email?: string | null; accessEnabled?: boolean; removed?: boolean; source?: "manual" | "cctv" };

async function people(facilityId: string, list: Person[]) {
  const ids: string[] = [];
  for (const [i, p] of list.entries()) {
    const row = await insertManualUser(
      db,
      {
        facilityId,
        firstName: `P${i}`,
        lastName: "Test",
        email: p.email === undefined ? `p${i}@example.com` : p.email,
        mobilePhone: "+447911123456",
      },
      T,
    );
    await db
      .update(accessUser)
      .set({
        accessEnabled: p.accessEnabled ?? true,
        removedAtSourceAt: p.removed ? T : null,
        source: p.source ?? "manual",
        externalId: p.source ? `x${i}` : null,
      })
      .where(eq(accessUser.id, row.id));
    ids.push(row.id);
  }
  return ids;
}

async function queued(facilityId: string, userIds: string[]) {
  for (const userId of userIds) {
    await db
      .insert(invitation)
      .values({ userId, facilityId, email: `${userId}@example.com`, state: "queued", trigger: "auto", queuedAt: T });
  }
}

describe("relay and sweeper", () => {
  it("hands each never-enqueued row over once; a failed enqueue hands it back", async () => {
    const facility = await createFacility(db);
    const ids = await people(facility.id, [{}, {}, {}]);
    await queued(facility.id, ids);
    const first = await claimUnenqueuedInvitations(db, { now: T, limit: 2 });
    const second = await claimUnenqueuedInvitations(db, { now: T, limit: 2 });
    expect(first).toHaveLength(2);
    expect([...first, ...second].sort()).toEqual([...ids].sort());
    expect(await claimUnenqueuedInvitations(db, { now: T, limit: 10 })).toEqual([]);
    await releaseEnqueueClaims(db, second);
    expect(await claimUnenqueuedInvitations(db, { now: T, limit: 10 })).toEqual(second);
  });

  it("hands over again only rows enqueued long ago, still queued and not under a live claim", async () => {
    const facility = await createFacility(db);
    const [old, recent, claimed, sent] = await people(facility.id, [{}, {}, {}, {}]);
    await queued(facility.id, [old!, recent!, claimed!, sent!]);
    await db.update(invitation).set({ enqueuedAt: T - 60 * 60_000 });
    await db.update(invitation).set({ enqueuedAt: T }).where(eq(invitation.userId, recent!));
    await db
      .update(invitation)
      .set({ claimedUntil: T + 60_000 })
      .where(eq(invitation.userId, claimed!));
    await db.update(invitation).set({ state: "sent" }).where(eq(invitation.userId, sent!));
    expect(await claimStaleInvitations(db, { now: T, enqueuedBefore: T - 15 * 60_000, limit: 10 })).toEqual([old]);
    // Handed over now, so not again at once.
    expect(await claimStaleInvitations(db, { now: T, enqueuedBefore: T - 15 * 60_000, limit: 10 })).toEqual([]);
  });
});

describe("the consumer's claim", () => {
  it("lets one delivery claim a row; the other waits, then finds it sent", async () => {
    const facility = await createFacility(db, { name: "Northside" });
    const [userId] = await people(facility.id, [{}]);
    await queued(facility.id, [userId!]);
    const first = await claimInvitationForSend(db, { userId: userId!, now: T, leaseMs: 1000 });
    expect(first).toMatchObject({
      status: "claimed",
      invitation: { facilityName: "Northside", firstName: "P0", generation: 0, attempts: 1 },
    });
    expect(await claimInvitationForSend(db, { userId: userId!, now: T + 10, leaseMs: 1000 })).toEqual({
      status: "busy",
      claimedUntil: T + 1000,
    });
    expect(await markInvitationSent(db, { userId: userId!, generation: 0, providerMessageId: "m1", now: T + 20 })).toBe(
      true,
    );
    expect(await claimInvitationForSend(db, { userId: userId!, now: T + 2000, leaseMs: 1000 })).toEqual({
      status: "done",
    });
    expect(await findInvitation(db, userId!)).toMatchObject({ state: "sent", sentAt: T + 20, error: null });
  });

  it("a crashed consumer's claim expires and the row is claimed again under the same key", async () => {
    const facility = await createFacility(db);
    const [userId] = await people(facility.id, [{}]);
    await queued(facility.id, [userId!]);
    const crashed = await claimInvitationForSend(db, { userId: userId!, now: T, leaseMs: 1000 });
    const again = await claimInvitationForSend(db, { userId: userId!, now: T + 1000, leaseMs: 1000 });
    expect(again).toMatchObject({ status: "claimed", invitation: { attempts: 2 } });
    if (crashed.status !== "claimed" || again.status !== "claimed") throw new Error("expected both claims");
    expect(invitationIdempotencyKey(userId!, again.invitation.generation)).toBe(
      invitationIdempotencyKey(userId!, crashed.invitation.generation),
    );
    expect(invitationIdempotencyKey("usr_1", 0)).toBe("invite/usr_1");
    expect(invitationIdempotencyKey("usr_1", 2)).toBe("invite/usr_1/2");
  });

  it("reports the person's email and access as they are now", async () => {
    const facility = await createFacility(db);
    const [userId] = await people(facility.id, [{}]);
    await queued(facility.id, [userId!]);
    await db
      .update(accessUser)
      .set({ email: "changed@example.com", accessEnabled: false })
      .where(eq(accessUser.id, userId!));
    expect(await claimInvitationForSend(db, { userId: userId!, now: T, leaseMs: 1000 })).toMatchObject({
      status: "claimed",
      invitation: { email: "changed@example.com", hasAccess: false },
    });
    await markInvitationSent(db, {
      userId: userId!,
      generation: 0,
      providerMessageId: "m",
      now: T,
      email: "changed@example.com",
    });
    expect(await findInvitation(db, userId!)).toMatchObject({ email: "changed@example.com" });
  });

  it("records a failure, or releases the claim with the error for a retry; an older generation marks nothing", async () => {
    const facility = await createFacility(db);
    const [a, b] = await people(facility.id, [{}, {}]);
    await queued(facility.id, [a!, b!]);
    await claimInvitationForSend(db, { userId: a!, now: T, leaseMs: 1000 });
    await releaseInvitationClaim(db, { userId: a!, generation: 0, error: "The email provider answered 503" });
    expect(await findInvitation(db, a!)).toMatchObject({ state: "queued", error: "The email provider answered 503" });
    expect(await claimInvitationForSend(db, { userId: a!, now: T + 1, leaseMs: 1000 })).toMatchObject({
      status: "claimed",
    });
    expect(await markInvitationFailed(db, { userId: a!, generation: 0, error: "bad address" })).toBe(true);
    expect(await findInvitation(db, a!)).toMatchObject({ state: "failed", error: "bad address" });

    await db.update(invitation).set({ generation: 1 }).where(eq(invitation.userId, b!));
    expect(await markInvitationSent(db, { userId: b!, generation: 0, providerMessageId: "m", now: T })).toBe(false);
    expect(await findInvitation(db, b!)).toMatchObject({ state: "queued" });
  });
});

describe("Send invitations… (bulk)", () => {
  it("counts who gets an email and why the others are skipped, one reason each", async () => {
    const facility = await createFacility(db);
    const ids = await people(facility.id, [
      {},
      {},
      { email: null },
      { email: null, accessEnabled: false },
      { accessEnabled: false },
      { removed: true, source: "cctv" },
      {},
      {},
    ]);
    await db.insert(invitation).values({
      userId: ids[6]!,
      facilityId: facility.id,
      email: "x@example.com",
      state: "sent",
      trigger: "auto",
      queuedAt: T,
    });
    await db.insert(invitation).values({
      userId: ids[7]!,
      facilityId: facility.id,
      email: "y@example.com",
      state: "failed",
      trigger: "auto",
      queuedAt: T,
    });
    const other = await createFacility(db, { organisationId: facility.organisationId });
    await people(other.id, [{}]);

    const count = (audience: Parameters<typeof countBulkInvitations>[1]["audience"], resend = false) =>
      countBulkInvitations(db, { facilityId: facility.id, audience, resend, now: T });
    expect(await count({ kind: "with_access" })).toEqual({
      considered: 5,
      willSend: 3,
      skipped: { noEmail: 1, noAccess: 0, alreadyInvited: 1 },
    });
    expect(await count({ kind: "not_invited" })).toEqual({
      considered: 7,
      willSend: 3,
      skipped: { noEmail: 2, noAccess: 2, alreadyInvited: 0 },
    });
    expect(await count({ kind: "source", source: "cctv" })).toEqual({
      considered: 1,
      willSend: 0,
      skipped: { noEmail: 0, noAccess: 1, alreadyInvited: 0 },
    });
    expect(await count({ kind: "users", userIds: [ids[0]!, ids[6]!] }, true)).toEqual({
      considered: 2,
      willSend: 2,
      skipped: { noEmail: 0, noAccess: 0, alreadyInvited: 0 },
    });
    // Another facility's ids are not counted, even when named.
    const foreign = (await db.select().from(accessUser).where(eq(accessUser.facilityId, other.id)))[0]!.id;
    expect((await count({ kind: "users", userIds: [foreign] })).considered).toBe(0);
  });

  it("queues the batch: new rows and failed ones; Re-send also sent ones, under a new key; progress counts its rows", async () => {
    const facility = await createFacility(db);
    const [fresh, failed, sent, inFlight] = await people(facility.id, [{}, {}, {}, {}]);
    await db.insert(invitation).values([
      {
        userId: failed!,
        facilityId: facility.id,
        email: "f@example.com",
        state: "failed",
        trigger: "auto",
        queuedAt: T,
        error: "503",
      },
      {
        userId: sent!,
        facilityId: facility.id,
        email: "s@example.com",
        state: "sent",
        trigger: "auto",
        queuedAt: T,
        sentAt: T,
      },
      {
        userId: inFlight!,
        facilityId: facility.id,
        email: "q@example.com",
        state: "queued",
        trigger: "auto",
        queuedAt: T,
        enqueuedAt: T,
        claimedUntil: T + 5,
      },
    ]);
    const batch = await createInvitationBatch(db, {
      facilityId: facility.id,
      audience: { kind: "with_access" },
      resend: false,
      createdBy: "admin@example.com",
      now: T + 1,
    });
    expect(batch).toMatchObject({ queued: 2, skipped: { noEmail: 0, noAccess: 0, alreadyInvited: 2 } });
    expect(await findInvitation(db, fresh!)).toMatchObject({
      state: "queued",
      trigger: "bulk",
      batchId: batch.id,
      generation: 0,
    });
    expect(await findInvitation(db, failed!)).toMatchObject({
      state: "queued",
      trigger: "bulk",
      batchId: batch.id,
      error: null,
      generation: 0,
    });

    await markInvitationSent(db, { userId: fresh!, generation: 0, providerMessageId: "m", now: T + 2 });
    await markInvitationFailed(db, { userId: failed!, generation: 0, error: "The email provider answered 422" });
    expect(await invitationBatchProgress(db, { facilityId: facility.id, batchId: batch.id })).toMatchObject({
      queued: 2,
      counts: { queued: 0, sent: 1, failed: 1 },
      failures: [{ error: "The email provider answered 422", count: 1 }],
    });

    const resend = await createInvitationBatch(db, {
      facilityId: facility.id,
      audience: { kind: "users", userIds: [sent!, inFlight!] },
      resend: true,
      createdBy: null,
      now: T + 3,
    });
    expect(resend.queued).toBe(2);
    // The sent one is queued again under generation 1; the one on its way keeps its claim and is sent once.
    expect(await findInvitation(db, sent!)).toMatchObject({ state: "queued", generation: 1, batchId: resend.id });
    const onItsWay = await db.select().from(invitation).where(eq(invitation.userId, inFlight!));
    expect(onItsWay[0]).toMatchObject({
      state: "queued",
      generation: 0,
      batchId: resend.id,
      enqueuedAt: T,
      claimedUntil: T + 5,
    });
    // Progress is per facility: another facility cannot read it.
    const other = await createFacility(db);
    expect(await invitationBatchProgress(db, { facilityId: other.id, batchId: resend.id })).toBeUndefined();
  });
});
