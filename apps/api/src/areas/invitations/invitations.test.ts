import { afterEach, describe, expect, it } from "vitest";
import {
  env,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { eq } from "drizzle-orm";
import { accessUser, findInvitation, insertManualUser, invitation } from "@uas/db";
import worker from "../..";
import { renderInvitationEmail } from "./email/invitation-email";
import { createTenant, recordingQueue, testDb, trpcQuery } from "../../../test/support";
import {
  autoSendTenant,
  eligibleEmails,
  eventually,
  failSends,
  invitationsOf,
  mailboxEmails,
  sendToMailbox,
  settled,
  smallPartnerMembers,
  syncNow,
} from "../../../test/invitations-support";

const db = testDb();

afterEach(async () => {
  await failSends({ enabled: false });
});

type QueueResult = { explicitAcks: string[]; retryMessages: Array<{ msgId: string }> };

async function deliver(queue: string, messages: Array<{ id: string; body: unknown }>): Promise<QueueResult> {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("auto-send through the queue and the provider", () => {
  it("Sync now emails each synced person with access and an email once; the next pass emails nobody", async () => {
    const tenant = await autoSendTenant();
    expect((await syncNow(tenant)).state).toBe("complete");
    const rows = await settled(tenant.granted.id);
    const eligible = await eligibleEmails(tenant.granted.id);
    expect(eligible.length).toBeGreaterThan(3);
    expect(rows.map((row) => row.state)).toEqual(eligible.map(() => "sent"));
    expect(rows.map((row) => row.email).sort()).toEqual(eligible);

    const emails = await mailboxEmails(tenant.granted.id);
    expect(emails.map((e) => e.to[0]).sort()).toEqual(eligible);
    // No send reached the provider twice, not even one its idempotency key would have absorbed.
    expect(emails.every((e) => e.requests === 1 && e.idempotency_key?.startsWith("invite/usr_"))).toBe(true);
    expect(emails[0]!.subject).toBe("Granted invited you to its app");

    // The user panel says Sent, with the time.
    const someone = rows[0]!;
    const panel = await trpcQuery(
      "users.get",
      { facilityId: tenant.granted.id, userId: someone.userId },
      tenant.cookie,
    );
    expect(panel.body.result?.data).toMatchObject({
      invitation: { state: "sent", sentAt: someone.sentAt, error: null },
    });

    expect((await syncNow(tenant)).state).toBe("complete");
    expect((await invitationsOf(tenant.granted.id)).filter((row) => row.state !== "sent")).toEqual([]);
    expect(await mailboxEmails(tenant.granted.id)).toHaveLength(eligible.length);
  });

  it("a provider failure is recorded with its error (after one queue retry), then sent at the next pass", async () => {
    const target = (await smallPartnerMembers()).find((m) => m.email && m.location_ids.includes("loc-north"));
    if (!target?.email) throw new Error("the small partner has no member with an email at loc-north");
    await failSends({ enabled: true, status: 503, match: target.email });
    const tenant = await autoSendTenant();
    expect((await syncNow(tenant)).state).toBe("complete");
    const rows = await settled(tenant.granted.id);
    const failed = rows.filter((row) => row.state === "failed");
    expect(failed.map((row) => row.email)).toEqual([target.email]);
    expect(failed[0]).toMatchObject({ attempts: 2, error: expect.stringContaining("The email provider answered 503") });
    const panel = await trpcQuery(
      "users.get",
      { facilityId: tenant.granted.id, userId: failed[0]!.userId },
      tenant.cookie,
    );
    expect(panel.body.result?.data).toMatchObject({
      invitation: { state: "failed", error: expect.stringContaining("503") },
    });
    expect((await mailboxEmails(tenant.granted.id)).some((e) => e.to.includes(target.email!))).toBe(false);

    await failSends({ enabled: false });
    expect((await syncNow(tenant)).state).toBe("complete");
    const retried = await eventually(
      () => findInvitation(db, failed[0]!.userId),
      (row) => row?.state === "sent",
    );
    expect(retried).toMatchObject({ state: "sent", error: null, generation: 0 });
    const emails = await mailboxEmails(tenant.granted.id);
    expect(emails.filter((e) => e.to.includes(target.email!))).toHaveLength(1);
    expect(emails).toHaveLength((await eligibleEmails(tenant.granted.id)).length);
  });
});

describe("the invitations consumer", () => {
  async function queuedManualUser() {
    const tenant = await createTenant();
    const email = `dup-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const user = await insertManualUser(
      db,
      { facilityId: tenant.granted.id, firstName: "Dee", lastName: "Dup", email, mobilePhone: null },
      Date.now(),
    );
    await db.insert(invitation).values({
      userId: user.id,
      facilityId: tenant.granted.id,
      email,
      state: "queued",
      trigger: "bulk",
      queuedAt: Date.now(),
      enqueuedAt: Date.now(),
    });
    return { tenant, user, email };
  }
  const sendMessage = (userId: string, id: string) => ({ id, body: { type: "invitation.send", version: 1, userId } });

  it("duplicate deliveries, even at the same moment, send one email", async () => {
    const { tenant, user, email } = await queuedManualUser();
    const results = await Promise.all([
      deliver("invitations", [sendMessage(user.id, "a1"), sendMessage(user.id, "a2")]),
      deliver("invitations", [sendMessage(user.id, "b1")]),
    ]);
    // The loser of the claim retries after the lease instead of dropping the message.
    const acked = results.flatMap((r) => r.explicitAcks);
    const retried = results.flatMap((r) => r.retryMessages.map((m) => m.msgId));
    expect(acked.length + retried.length).toBe(3);
    expect(await findInvitation(db, user.id)).toMatchObject({ state: "sent", attempts: 1 });
    const emails = (await mailboxEmails(tenant.granted.id)).filter((e) => e.to.includes(email));
    expect(emails).toHaveLength(1);
    expect(emails[0]!.requests).toBe(1);
    // Delivered again later: acknowledged, nothing sent.
    const late = await deliver("invitations", [sendMessage(user.id, "c1")]);
    expect(late.explicitAcks).toEqual(["c1"]);
    expect((await mailboxEmails(tenant.granted.id)).filter((e) => e.to.includes(email))).toHaveLength(1);
  });

  it("a claim left by a crashed consumer expires and is sent again under the same key: still one email", async () => {
    const { tenant, user, email } = await queuedManualUser();
    // The crashed consumer's send reached the provider; its claim expired before it could mark the row.
    const rendered = renderInvitationEmail({
      facilityId: tenant.granted.id,
      facilityName: "Granted",
      firstName: "Dee",
      email,
      from: "User Access <invitations@useraccess.invalid>",
    });
    const providerId = await sendToMailbox(rendered, `invite/${user.id}`);
    await db
      .update(invitation)
      .set({ claimedUntil: Date.now() - 1000, attempts: 1 })
      .where(eq(invitation.userId, user.id));

    const result = await deliver("invitations", [sendMessage(user.id, "r1")]);
    expect(result.explicitAcks).toEqual(["r1"]);
    const row = await testDb().select().from(invitation).where(eq(invitation.userId, user.id));
    expect(row[0]).toMatchObject({ state: "sent", providerMessageId: providerId, attempts: 2 });
    const emails = (await mailboxEmails(tenant.granted.id)).filter((e) => e.to.includes(email));
    expect(emails).toHaveLength(1);
    expect(emails[0]!.requests).toBe(2);
  });

  it("sends nothing to someone who lost access after the invitation was queued, and records why", async () => {
    const { tenant, user, email } = await queuedManualUser();
    await db.update(accessUser).set({ accessEnabled: false }).where(eq(accessUser.id, user.id));
    const result = await deliver("invitations", [sendMessage(user.id, "x1")]);
    expect(result.explicitAcks).toEqual(["x1"]);
    expect(await findInvitation(db, user.id)).toMatchObject({
      state: "failed",
      error: "The person no longer has access, so nothing was sent",
    });
    expect((await mailboxEmails(tenant.granted.id)).filter((e) => e.to.includes(email))).toEqual([]);
  });

  it("never acks a message it cannot read; a dead-lettered send is recorded as failed", async () => {
    const bad = await deliver("invitations", [{ id: "bad", body: { type: "invitation.send", version: 2 } }]);
    expect(bad.explicitAcks).toEqual([]);
    expect(bad.retryMessages.map((m) => m.msgId)).toEqual(["bad"]);

    const { user } = await queuedManualUser();
    const dead = await deliver("invitations-dlq", [sendMessage(user.id, "d1")]);
    expect(dead.explicitAcks).toEqual(["d1"]);
    expect(await findInvitation(db, user.id)).toMatchObject({
      state: "failed",
      error: "The invitation could not be sent after several attempts",
    });
  });
});

describe("the cron's invitation sweeper", () => {
  it("hands over rows no relay did, and again those handed long ago and still queued", async () => {
    const tenant = await createTenant();
    const person = (firstName: string) =>
      insertManualUser(
        db,
        {
          facilityId: tenant.granted.id,
          firstName,
          lastName: "Sweep",
          email: `${firstName}@example.com`,
          mobilePhone: null,
        },
        Date.now(),
      );
    const [fresh, stale, recent] = [await person("fresh"), await person("stale"), await person("recent")];
    const now = Date.now();
    const row = (userId: string, enqueuedAt: number | null) =>
      ({
        userId,
        facilityId: tenant.granted.id,
        email: "x@example.com",
        state: "queued",
        trigger: "auto",
        queuedAt: now - 3_600_000,
        enqueuedAt,
      }) as const;
    // Never handed over; handed over an hour ago; handed over a minute ago (its message is still on its way).
    await db
      .insert(invitation)
      .values([row(fresh.id, null), row(stale.id, now - 3_600_000), row(recent.id, now - 60_000)]);
    const { queue: recording, sent } = recordingQueue();
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }),
      { ...env, INVITATIONS_QUEUE: recording },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const users = sent.map((body) => (body as { userId?: string }).userId);
    expect(users).toContain(fresh.id);
    expect(users).toContain(stale.id);
    expect(users).not.toContain(recent.id);
    expect((await findInvitation(db, fresh.id))?.state).toBe("queued");
  });
});

describe("the dev mailbox route", () => {
  it("does not exist outside development", async () => {
    const res = await (await import("cloudflare:test")).SELF.fetch("http://web.test/api/dev/mailbox/status");
    expect(res.status).toBe(404);
  });
});
