import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import {
  accessUser,
  claimInvitationForSend,
  claimUnenqueuedInvitations,
  createDb,
  invitation,
  invitationIdempotencyKey,
  markInvitationSent,
  type Db,
} from "@uas/db";
import { applySourceEvent, runFullPass, startPass } from "../src";
import { createSyncedFacility, member } from "@uas/db/testing";
import { listingsOf, memoryListing } from "../src/testing";
import { startHttpDatabase } from "./http-database";
import { T } from "./sync-helpers";

/**
 * Real concurrency, as in production: many clients over libSQL's remote protocol (the local endpoint
 * the Worker uses), each transaction on its own connection, racing for the write lock.
 */
let database: Awaited<ReturnType<typeof startHttpDatabase>>;
let db: Db;

beforeAll(async () => {
  database = await startHttpDatabase("invitations");
  db = createDb({ url: database.server.url, authToken: database.server.authToken });
});

afterAll(async () => {
  db.$client.close();
  await database.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("exactly one invitation per person while everything races", () => {
  it("20 concurrent passes, webhooks for the same people, and duplicate deliveries send each person one email", async () => {
    const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    // 40 members, every fourth without an email (synced through their phone, never invited).
    const records = Array.from({ length: 40 }, (_, i) =>
      member(`M-${i}`, i % 4 === 3 ? { email: null, mobile_phone: "+447911123456" } : {}),
    );
    const listingFor = listingsOf({ [integration.id]: memoryListing(records, { pageSize: 5 }) });

    const passes = Array.from({ length: 20 }, async (_, i) => {
      await sleep((i * 37) % 120);
      const { pass } = await startPass({
        db,
        facilityId: facility.id,
        source: "integration",
        trigger: "manual",
        now: T + i,
      });
      return runFullPass({ db, passId: pass.id, listingFor, now: T + 100 + i, maxPages: 1 });
    });
    const webhooks = Array.from({ length: 20 }, async (_, i) => {
      await sleep((i * 53) % 120);
      const result = await applySourceEvent({
        db,
        source: "integration",
        integrationId: integration.id,
        event: { type: "member.upserted", data: records[(i * 7) % 40] },
        webhookId: `w-${i}`,
        now: T + 50 + i,
      });
      expect(result.status).toBe("applied");
    });
    const ended = await Promise.all(passes);
    await Promise.all(webhooks);
    expect(ended.every((pass) => pass.state === "complete")).toBe(true);

    const eligible = records.filter((r) => r.email !== null).length;
    expect(await db.$count(accessUser, eq(accessUser.facilityId, facility.id))).toBe(40);
    expect(await db.$count(invitation, eq(invitation.facilityId, facility.id))).toBe(eligible);

    // Three relays at once hand each row to the queue once.
    const relays = await Promise.all(
      [0, 1, 2].map(() => claimUnenqueuedInvitations(db, { now: T + 1000, limit: 100 })),
    );
    const handed = relays.flat();
    expect(handed).toHaveLength(eligible);
    expect(new Set(handed).size).toBe(eligible);

    // Every message delivered three times, all at once: each delivery claims, "sends", marks sent.
    const sends = new Map<string, number>();
    const deliver = async (userId: string) => {
      const claim = await claimInvitationForSend(db, { userId, now: T + 2000, leaseMs: 60_000 });
      if (claim.status !== "claimed") return;
      const key = invitationIdempotencyKey(userId, claim.invitation.generation);
      sends.set(key, (sends.get(key) ?? 0) + 1);
      await markInvitationSent(db, {
        userId,
        generation: claim.invitation.generation,
        providerMessageId: `msg-${userId}`,
        now: T + 2001,
      });
    };
    await Promise.all(handed.flatMap((userId) => [deliver(userId), deliver(userId), deliver(userId)]));

    expect(sends.size).toBe(eligible);
    expect([...sends.values()].every((count) => count === 1)).toBe(true);
    const rows = await db.select().from(invitation).where(eq(invitation.facilityId, facility.id));
    expect(rows.every((row) => row.state === "sent" && row.attempts === 1)).toBe(true);

    // Another pass afterwards queues nobody again.
    const { pass } = await startPass({
      db,
      facilityId: facility.id,
      source: "integration",
      trigger: "manual",
      now: T + 3000,
    });
    await runFullPass({ db, passId: pass.id, listingFor, now: T + 3001 });
    const after = await db.select().from(invitation).where(eq(invitation.facilityId, facility.id));
    expect(after.filter((row) => row.state !== "sent")).toEqual([]);
  }, 60_000);
});
