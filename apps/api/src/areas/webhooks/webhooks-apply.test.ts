import { describe, it, expect } from "vitest";
import {
  env,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { and, eq, sql } from "drizzle-orm";
import { accessUser, activityEntry, integration, webhookInbox } from "@uas/db";
import worker from "../..";
import { testDb } from "../../../test/support";
import {
  createWebhookTenant,
  eventually,
  inboxRows,
  member,
  cctvPerson,
  signedHeaders,
  type WebhookTenant,
} from "../../../test/webhooks-helpers";

const db = testDb();

/** A queue binding that records sends, or refuses them like an unavailable queue. */
function fakeQueue(mode: "record" | "fail") {
  const sent: unknown[] = [];
  const refuse = async () => {
    throw new Error("queue unavailable");
  };
  const queue = {
    send: mode === "fail" ? refuse : async (body: unknown) => void sent.push(body),
    sendBatch:
      mode === "fail"
        ? refuse
        : async (messages: Iterable<{ body: unknown }>) => {
            for (const m of messages) sent.push(m.body);
          },
  } as unknown as Queue;
  return { queue, sent };
}

/** Posts through the Worker's own fetch with a given webhooks queue, so the enqueue step can be controlled. */
async function postWithQueue(url: string, secret: string, event: unknown, webhooksQueue: Queue) {
  const body = JSON.stringify(event);
  const headers = signedHeaders(secret, body);
  const ctx = createExecutionContext();
  const request = new Request(url, { method: "POST", headers, body }) as Request<unknown, IncomingRequestCfProperties>;
  const res = await worker.fetch(request, { ...env, WEBHOOKS_QUEUE: webhooksQueue }, ctx);
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as { id: string; status: string }, id: headers["webhook-id"] };
}

/** What the consumer did with each message (the runtime's FetcherQueueResult, which the generated types lack). */
type QueueOutcome = { explicitAcks: string[]; retryMessages: { msgId: string }[] };

async function deliver(
  messages: { id: string; body: unknown }[],
  queue: "webhooks" | "sync" = "webhooks",
): Promise<QueueOutcome> {
  const batch = createMessageBatch(
    queue,
    messages.map((m) => ({ ...m, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return (await getQueueResult(batch, ctx)) as QueueOutcome;
}

const applyMessage = (sender: string, webhookId: string) => ({ type: "webhook.apply", version: 2, sender, webhookId });
/** What the receiver sent to the `sync` queue before webhooks had a queue of their own. */
const legacyApplyMessage = (sender: string, webhookId: string) => ({
  type: "webhook.apply",
  version: 1,
  sender,
  webhookId,
});

async function entriesOf(webhookId: string) {
  return db.select().from(activityEntry).where(eq(activityEntry.webhookId, webhookId));
}

async function rowOf(t: WebhookTenant, externalId: string) {
  const [row] = await db
    .select()
    .from(accessUser)
    .where(and(eq(accessUser.facilityId, t.granted.id), eq(accessUser.externalId, externalId)));
  return row;
}

describe("webhook → queue → engine", () => {
  it("a signed member.upserted becomes a User Access row, and member.removed disables it", async () => {
    const t = await createWebhookTenant(db, { sourcesOn: true });
    const event = member();
    const { external_id: externalId } = event.data;
    const body = JSON.stringify(event);
    const res = await fetchSigned(t.integrationUrl, t.integration.webhookSecret, body);
    expect(res.status).toBe(202);

    const row = await eventually(() => rowOf(t, externalId));
    expect(row).toMatchObject({
      source: "integration",
      integrationId: t.integration.id,
      firstName: "Ada",
      email: "ada@example.com",
    });
    const [inbox] = await eventually(async () => {
      const rows = await inboxRows(db, t.integrationSender);
      return rows[0]?.state === "applied" ? rows : null;
    });
    expect(inbox?.appliedAt).toEqual(expect.any(Number));
    expect((await entriesOf(res.webhookId)).map((e) => e.outcome)).toEqual(["added"]);

    const removal = await fetchSigned(
      t.integrationUrl,
      t.integration.webhookSecret,
      JSON.stringify({
        type: "member.removed",
        data: { external_id: externalId, location_ids: ["loc-north"], updated_at: "2026-11-24T10:05:00Z" },
      }),
    );
    expect(removal.status).toBe(202);
    const removed = await eventually(async () =>
      (await rowOf(t, externalId))?.removedAtSourceAt ? rowOf(t, externalId) : null,
    );
    expect(removed?.removedAtSourceAt).toEqual(expect.any(Number));
  });

  it("a signed person.identified becomes a CCTV row of the facility in the path", async () => {
    const t = await createWebhookTenant(db, { sourcesOn: true });
    const event = cctvPerson();
    const res = await fetchSigned(t.cctvUrl, t.cctv.webhookSecret, JSON.stringify(event));
    expect(res.status).toBe(202);
    const row = await eventually(() => rowOf(t, event.data.person_id));
    expect(row).toMatchObject({ source: "cctv", integrationId: null, firstName: "Grace", email: "grace@example.com" });
  });
});

describe("enqueue failure and the sweeper", () => {
  it("answers 202 when the queue refuses, and the cron's sweeper enqueues the row after a minute", async () => {
    const t = await createWebhookTenant(db);
    const res = await postWithQueue(t.integrationUrl, t.integration.webhookSecret, member(), fakeQueue("fail").queue);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: res.id, status: "accepted" });
    expect((await inboxRows(db, t.integrationSender)).map((r) => r.state)).toEqual(["received"]);

    const early = fakeQueue("record");
    await runCron(Date.now(), early.queue);
    expect(early.sent).not.toContainEqual(applyMessage(t.integrationSender, res.id));

    const late = fakeQueue("record");
    await runCron(Date.now() + 61_000, late.queue);
    expect(late.sent).toContainEqual(applyMessage(t.integrationSender, res.id));
    expect((await inboxRows(db, t.integrationSender)).map((r) => r.state)).toEqual(["enqueued"]);
  });

  it("sends a row again when its message was lost: sent by the sweeper ten minutes ago and still not applied", async () => {
    const t = await createWebhookTenant(db);
    const res = await postWithQueue(t.integrationUrl, t.integration.webhookSecret, member(), fakeQueue("fail").queue);
    const first = fakeQueue("record");
    await runCron(Date.now() + 61_000, first.queue);
    expect(first.sent).toContainEqual(applyMessage(t.integrationSender, res.id));
    expect((await inboxRows(db, t.integrationSender)).map((r) => r.state)).toEqual(["enqueued"]);
    const soon = fakeQueue("record");
    await runCron(Date.now() + 5 * 60_000, soon.queue);
    expect(soon.sent).not.toContainEqual(applyMessage(t.integrationSender, res.id));
    const later = fakeQueue("record");
    await runCron(Date.now() + 11 * 60_000, later.queue);
    expect(later.sent).toContainEqual(applyMessage(t.integrationSender, res.id));
  });

  it("hands a stored row to the queue without another write; the sweeper sends it again only if it stays unapplied", async () => {
    const t = await createWebhookTenant(db);
    const { queue, sent } = fakeQueue("record");
    const res = await postWithQueue(t.integrationUrl, t.integration.webhookSecret, member(), queue);
    expect(sent).toEqual([applyMessage(t.integrationSender, res.id)]);
    expect((await inboxRows(db, t.integrationSender)).map((r) => r.state)).toEqual(["received"]);
    await deliver([{ id: "h-1", body: applyMessage(t.integrationSender, res.id) }]);
    const late = fakeQueue("record");
    await runCron(Date.now() + 61_000, late.queue);
    expect(late.sent).not.toContainEqual(applyMessage(t.integrationSender, res.id));
  });
});

describe("webhooks queue consumer", () => {
  it("applies a stored webhook once: a re-delivery is acknowledged without applying again", async () => {
    const t = await createWebhookTenant(db, { sourcesOn: true });
    const event = member();
    const res = await postWithQueue(t.integrationUrl, t.integration.webhookSecret, event, fakeQueue("record").queue);

    const first = await deliver([{ id: "m-1", body: applyMessage(t.integrationSender, res.id) }]);
    expect(first.explicitAcks).toEqual(["m-1"]);
    expect(await rowOf(t, event.data.external_id)).toBeDefined();
    const again = await deliver([{ id: "m-2", body: applyMessage(t.integrationSender, res.id) }]);
    expect(again.explicitAcks).toEqual(["m-2"]);
    expect(await entriesOf(res.id)).toHaveLength(1);
    const [row] = await inboxRows(db, t.integrationSender);
    expect(row).toMatchObject({ state: "applied", attempts: 1 });
  });

  it("applies it once even when two deliveries race", async () => {
    const t = await createWebhookTenant(db, { sourcesOn: true });
    const res = await postWithQueue(t.integrationUrl, t.integration.webhookSecret, member(), fakeQueue("record").queue);
    const results = await Promise.all([
      deliver([{ id: "r-1", body: applyMessage(t.integrationSender, res.id) }]),
      deliver([{ id: "r-2", body: applyMessage(t.integrationSender, res.id) }]),
    ]);
    // Whichever waited either found it applied (ack) or could not get the write lock (retry); never both applied.
    expect(results.flatMap((r) => r.explicitAcks).length).toBeGreaterThanOrEqual(1);
    expect(await entriesOf(res.id)).toHaveLength(1);
  });

  it("keeps a row that can never apply as failed, with the reason, and acknowledges it", async () => {
    const t = await createWebhookTenant(db, { sourcesOn: true });
    const res = await postWithQueue(t.integrationUrl, t.integration.webhookSecret, member(), fakeQueue("record").queue);
    await db.delete(integration).where(eq(integration.id, t.integration.id));
    const result = await deliver([{ id: "f-1", body: applyMessage(t.integrationSender, res.id) }]);
    expect(result.explicitAcks).toEqual(["f-1"]);
    const [row] = await db.select().from(webhookInbox).where(eq(webhookInbox.webhookId, res.id));
    expect(row).toMatchObject({ state: "failed", error: expect.stringContaining("no longer exists") });
  });

  it("applies a batch's webhooks together; an event the database refuses is retried alone and the rest acked", async () => {
    const t = await createWebhookTenant(db, { sourcesOn: true });
    const queue = fakeQueue("record").queue;
    const poison = `BOOM-${crypto.randomUUID()}`;
    const events = [member(), member({ external_id: poison }), member(), member()];
    const posted = [];
    for (const event of events)
      posted.push(await postWithQueue(t.integrationUrl, t.integration.webhookSecret, event, queue));
    await db.run(
      sql.raw(`CREATE TRIGGER refuse_poison BEFORE INSERT ON activity_entry WHEN NEW.external_id = '${poison}'
      BEGIN SELECT RAISE(ABORT, 'refused'); END`),
    );
    try {
      const result = await deliver(
        posted.map((p, i) => ({ id: `b-${i}`, body: applyMessage(t.integrationSender, p.id) })),
      );
      expect(result.explicitAcks.sort()).toEqual(["b-0", "b-2", "b-3"]);
      expect(result.retryMessages.map((m) => m.msgId)).toEqual(["b-1"]);
    } finally {
      await db.run(sql.raw("DROP TRIGGER refuse_poison"));
    }
    for (const [i, p] of posted.entries()) expect(await entriesOf(p.id)).toHaveLength(i === 1 ? 0 : 1);
    const retried = await deliver([{ id: "b-1-again", body: applyMessage(t.integrationSender, posted[1]!.id) }]);
    expect(retried.explicitAcks).toEqual(["b-1-again"]);
    expect(await rowOf(t, poison)).toBeDefined();
  });

  it("retries a message whose inbox row is missing instead of acknowledging it", async () => {
    const t = await createWebhookTenant(db);
    const result = await deliver([{ id: "x-1", body: applyMessage(t.integrationSender, "msg_never_stored") }]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["x-1"]);
  });

  it("applies a batch of a hundred in one invocation, without handing any back", async () => {
    const t = await createWebhookTenant(db, { sourcesOn: true });
    const events = Array.from({ length: 100 }, () => member());
    const ids = events.map(() => `msg_${crypto.randomUUID()}`);
    await db.insert(webhookInbox).values(
      events.map((event, i) => ({
        sender: t.integrationSender,
        webhookId: ids[i]!,
        organisationId: t.organisation.id,
        receivedAt: Date.now(),
        payload: JSON.stringify(event),
        state: "received" as const,
      })),
    );
    const result = await deliver(ids.map((id, i) => ({ id: `big-${i}`, body: applyMessage(t.integrationSender, id) })));
    expect(result.retryMessages).toEqual([]);
    expect(result.explicitAcks).toHaveLength(100);
    expect((await inboxRows(db, t.integrationSender)).every((r) => r.state === "applied")).toBe(true);
    const rows = await db.select({ id: accessUser.id }).from(accessUser).where(eq(accessUser.facilityId, t.granted.id));
    expect(rows).toHaveLength(100);
  });
});

describe("webhook.apply messages left on the sync queue", () => {
  it("are still applied, once, while they drain", async () => {
    const t = await createWebhookTenant(db, { sourcesOn: true });
    const event = member();
    const res = await postWithQueue(t.integrationUrl, t.integration.webhookSecret, event, fakeQueue("record").queue);
    const first = await deliver([{ id: "old-1", body: legacyApplyMessage(t.integrationSender, res.id) }], "sync");
    expect(first.explicitAcks).toEqual(["old-1"]);
    expect(await rowOf(t, event.data.external_id)).toBeDefined();
    // The sweeper may also have sent it to the webhooks queue: that delivery finds it applied.
    const again = await deliver([{ id: "new-1", body: applyMessage(t.integrationSender, res.id) }]);
    expect(again.explicitAcks).toEqual(["new-1"]);
    expect(await entriesOf(res.id)).toHaveLength(1);
  });
});

async function fetchSigned(url: string, secret: string, body: string) {
  const { SELF } = await import("cloudflare:test");
  const headers = signedHeaders(secret, body);
  const res = await SELF.fetch(url, { method: "POST", headers, body });
  return { status: res.status, webhookId: headers["webhook-id"] };
}

/** The cron with a given webhooks queue (the sweeper's); passes it starts go to a sync queue that only records. */
async function runCron(scheduledTime: number, webhooksQueue: Queue) {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ scheduledTime, cron: "*/15 * * * *" }),
    { ...env, SYNC_QUEUE: fakeQueue("record").queue, WEBHOOKS_QUEUE: webhooksQueue },
    ctx,
  );
  await waitOnExecutionContext(ctx);
}
