import { describe, it, expect } from "vitest";
import { env, createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { syncPass, webhookInbox } from "@uas/db";
import worker from "../src";
import { createWebhookTenant, cctvPerson } from "./webhooks-helpers";
import { signIn, testDb, trpcQuery } from "./support";

async function deliver(queue: string, body: unknown) {
  const batch = createMessageBatch(queue, [
    { id: `msg-${crypto.randomUUID()}`, timestamp: new Date(), attempts: 6, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("the dead-letter queues", () => {
  it("turns a webhook that kept failing into a Failed activity entry and a failed inbox row", async () => {
    const db = testDb();
    const tenant = await createWebhookTenant(db);
    const webhookId = `dead-${crypto.randomUUID()}`;
    const event = cctvPerson({ person_id: "cv-dead-1" });
    await db.insert(webhookInbox).values({
      sender: tenant.cctvSender,
      webhookId,
      organisationId: tenant.organisation.id,
      receivedAt: Date.now(),
      payload: JSON.stringify(event),
      state: "enqueued",
    });

    const result = await deliver("sync-dlq", {
      type: "webhook.apply",
      version: 1,
      sender: tenant.cctvSender,
      webhookId,
    });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);

    const [row] = await db
      .select()
      .from(webhookInbox)
      .where(and(eq(webhookInbox.sender, tenant.cctvSender), eq(webhookInbox.webhookId, webhookId)));
    expect(row?.state).toBe("failed");

    const cookie = await signIn(tenant.admin.email, tenant.admin.password);
    const { body } = await trpcQuery("activity.list", { facilityId: tenant.granted.id, outcome: "failed" }, cookie);
    const entries = (body.result?.data as { entries: Array<{ externalId: string; webhookId: string; reason: string }> })
      .entries;
    expect(entries).toEqual([
      expect.objectContaining({
        externalId: "cv-dead-1",
        webhookId,
        reason: expect.stringContaining("could not be applied"),
      }),
    ]);

    // Recorded once: the same dead letter again changes nothing.
    await deliver("sync-dlq", { type: "webhook.apply", version: 1, sender: tenant.cctvSender, webhookId });
    const again = await trpcQuery("activity.list", { facilityId: tenant.granted.id, outcome: "failed" }, cookie);
    expect((again.body.result?.data as { entries: unknown[] }).entries).toHaveLength(1);
  });

  it("records a webhook that kept failing on the webhooks queue the same way", async () => {
    const db = testDb();
    const tenant = await createWebhookTenant(db);
    const webhookId = `dead-${crypto.randomUUID()}`;
    await db.insert(webhookInbox).values({
      sender: tenant.cctvSender,
      webhookId,
      organisationId: tenant.organisation.id,
      receivedAt: Date.now(),
      payload: JSON.stringify(cctvPerson({ person_id: "cv-dead-2" })),
      state: "received",
    });
    const result = await deliver("webhooks-dlq", {
      type: "webhook.apply",
      version: 2,
      sender: tenant.cctvSender,
      webhookId,
    });
    expect(result.explicitAcks).toHaveLength(1);
    const [row] = await db
      .select()
      .from(webhookInbox)
      .where(and(eq(webhookInbox.sender, tenant.cctvSender), eq(webhookInbox.webhookId, webhookId)));
    expect(row).toMatchObject({ state: "failed", error: expect.stringContaining("could not be applied") });
  });

  it("fails a pass whose step kept failing, removing nobody", async () => {
    const db = testDb();
    const tenant = await createWebhookTenant(db);
    const passId = `pas_dead_${crypto.randomUUID().slice(0, 8)}`;
    await db.insert(syncPass).values({
      id: passId,
      facilityId: tenant.granted.id,
      source: "cctv",
      trigger: "manual",
      state: "running",
      startedAt: Date.now(),
    });
    const result = await deliver("sync-dlq", { type: "pass.step", version: 1, passId });
    expect(result.explicitAcks).toHaveLength(1);
    const [pass] = await db.select().from(syncPass).where(eq(syncPass.id, passId));
    expect(pass).toMatchObject({ state: "failed", disabled: 0 });
    expect(pass?.reason).toContain("nobody was removed");
  });
});
