import { describe, it, expect } from "vitest";
import {
  env,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { startPass } from "@uas/engine";
import { insertIntegration, syncPass, updateSyncSettings } from "@uas/db";
import { inArray } from "drizzle-orm";
import { nightlyStartOffsetMinutes } from "@uas/domain";
import worker from "../src";
import { createTenant, recordingQueue, testDb } from "./support";

async function runCron(scheduledTime: number, syncQueue: Queue) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime, cron: "*/15 * * * *" }),
    { ...env, SYNC_QUEUE: syncQueue },
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

describe("nightly cron", () => {
  it("fans out one pass.start per enabled source of each facility whose night has come", async () => {
    const db = testDb();
    const tenant = await createTenant(db);
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true, cctvEnabled: true }, Date.now());
    const { queue, sent } = recordingQueue();

    await runCron(Date.UTC(2026, 10, 24, 4, 5), queue); // 04:05 in London, past every facility's start minute
    const mine = sent.filter((m) => (m as { facilityId: string }).facilityId === tenant.granted.id);
    expect(mine).toEqual([
      {
        type: "pass.start",
        version: 1,
        facilityId: tenant.granted.id,
        source: "integration",
        trigger: "nightly",
        nightlyDate: "2026-11-24",
      },
      {
        type: "pass.start",
        version: 1,
        facilityId: tenant.granted.id,
        source: "cctv",
        trigger: "nightly",
        nightlyDate: "2026-11-24",
      },
    ]);
    // The facility whose sources are off is never visited.
    expect(sent.some((m) => (m as { facilityId: string }).facilityId === tenant.ungranted.id)).toBe(false);
  });

  it("starts a facility at the cron of the quarter hour holding its organisation's minute, not before", async () => {
    const db = testDb();
    const tenant = await createTenant(db);
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
    const minute = nightlyStartOffsetMinutes(tenant.organisation.id);
    const start = Date.UTC(2026, 10, 24, 3, minute - (minute % 15)); // London is on UTC in November
    const mine = (sent: unknown[]) =>
      sent.filter((m) => (m as { facilityId: string }).facilityId === tenant.granted.id);

    const early = recordingQueue();
    await runCron(start - 60_000, early.queue);
    expect(mine(early.sent)).toEqual([]);
    const onTime = recordingQueue();
    await runCron(start, onTime.queue);
    expect(mine(onTime.sent)).toEqual([
      expect.objectContaining({ type: "pass.start", source: "integration", nightlyDate: "2026-11-24" }),
    ]);
  });

  it("starts a chain's integration passes together in one passes.start, and its reader alone gets a step", async () => {
    const db = testDb();
    const tenant = await createTenant(db);
    const integration = await insertIntegration(
      db,
      {
        organisationId: tenant.organisation.id,
        name: "Chain partner",
        baseUrl: "http://partner.test",
        apiKey: "key",
        locations: { "loc-1": tenant.granted.id, "loc-2": tenant.ungranted.id },
      },
      Date.now(),
    );
    for (const facility of [tenant.granted, tenant.ungranted])
      await updateSyncSettings(db, facility.id, { integrationsEnabled: true }, Date.now());
    const { queue, sent } = recordingQueue();
    await runCron(Date.UTC(2026, 10, 24, 4, 5), queue);
    const facilities = [
      { facilityId: tenant.granted.id, nightlyDate: "2026-11-24" },
      { facilityId: tenant.ungranted.id, nightlyDate: "2026-11-24" },
    ];
    const start = {
      type: "passes.start",
      version: 1,
      source: "integration",
      trigger: "nightly",
      facilities: expect.arrayContaining(facilities),
    };
    expect(sent).toContainEqual(start);
    // Neither facility gets a pass.start of its own.
    const ids = [tenant.granted.id, tenant.ungranted.id];
    expect(sent.filter((m) => ids.includes((m as { facilityId?: string }).facilityId ?? ""))).toEqual([]);

    const steps = recordingQueue();
    const batch = createMessageBatch("sync", [
      {
        id: "chain-1",
        timestamp: new Date(),
        attempts: 1,
        body: { type: "passes.start", version: 1, source: "integration", trigger: "nightly", facilities },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, SYNC_QUEUE: steps.queue }, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["chain-1"]);
    const passes = await db.select().from(syncPass).where(inArray(syncPass.facilityId, ids));
    expect(passes.map((p) => p.state)).toEqual(["running", "running"]);
    const reader = [...passes.map((p) => p.id)].sort()[0];
    for (const pass of passes) {
      expect(pass.progress).toMatchObject({
        targets: [
          { integrationId: integration.id, cursor: null, done: false, shared: [...passes.map((p) => p.id)].sort() },
        ],
      });
    }
    expect(steps.sent).toEqual([{ type: "pass.step", version: 1, passId: reader }]);
  });

  it("starts nothing in the facility's daytime", async () => {
    const db = testDb();
    const tenant = await createTenant(db);
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
    const { queue, sent } = recordingQueue();
    await runCron(Date.UTC(2026, 10, 24, 14, 0), queue);
    expect(sent.filter((m) => (m as { facilityId: string }).facilityId === tenant.granted.id)).toEqual([]);
  });
});

describe("sync queue consumer", () => {
  it("never acks a message it cannot read: it is retried towards the dead-letter queue", async () => {
    const batch = createMessageBatch("sync", [
      { id: "bad-1", timestamp: new Date(), attempts: 1, body: { type: "pass.start", version: 1 } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["bad-1"]);
  });
});

describe("sync queue consumer budget", () => {
  it("runs at most ten pass messages per invocation and hands the rest back to the queue as they are", async () => {
    const { queue, sent } = recordingQueue();
    // Steps of passes that do not exist: each is a cheap no-op, and acknowledged.
    const bodies = Array.from({ length: 13 }, (_, i) => ({
      type: "pass.step",
      version: 1,
      passId: `pass_missing_${i}`,
    }));
    const batch = createMessageBatch(
      "sync",
      bodies.map((body, i) => ({ id: `s-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, SYNC_QUEUE: queue }, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toHaveLength(13);
    expect(result.retryMessages).toEqual([]);
    expect(sent).toEqual(bodies.slice(10));
  });
});

describe("pass watchdog", () => {
  it("hands a running pass that made no step for ten minutes a step again, and leaves a recent one alone", async () => {
    const db = testDb();
    const tenant = await createTenant(db);
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
    const startedAt = Date.UTC(2026, 10, 24, 14, 0);
    const { pass } = await startPass({
      db,
      facilityId: tenant.granted.id,
      source: "integration",
      trigger: "manual",
      now: startedAt,
    });
    const step = { type: "pass.step", version: 1, passId: pass.id };

    const soon = recordingQueue();
    await runCron(startedAt + 5 * 60_000, soon.queue);
    expect(soon.sent).not.toContainEqual(step);
    const later = recordingQueue();
    await runCron(startedAt + 11 * 60_000, later.queue);
    expect(later.sent).toContainEqual(step);
  });
});
