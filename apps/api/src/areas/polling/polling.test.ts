import { describe, it, expect, beforeAll, afterAll } from "vitest";
import {
  env,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { and, eq, like } from "drizzle-orm";
import { accessUser, sourcePollState, updateSyncSettings, webhookInbox } from "@uas/db";
import worker from "../..";
import { eventually } from "../../../test/invitations-support";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";
import type { PollStepMessage } from "./step-message";

/**
 * ABC Ignite's continuous sync (ADR 0018) through the Worker's own cron and queue handlers: the minute cron
 * leases the due clubs and sends `poll.step` messages (caught here by a recording queue, then delivered
 * by hand, so a "restart" can drop one); the step reads the delta from the simulator over HTTP, stores it
 * in the inbox and moves the watermark; the stored changes are applied by the real webhooks queue.
 */

const db = testDb();
const MINUTE = 60_000;
const control = (path: string, body: unknown) =>
  fetch(`${env.ABC_URL}/control/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${env.SIMULATOR_CONTROL_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

async function addAbcMember(firstName: string): Promise<string> {
  const res = await control("members", {
    firstName,
    lastName: "Polled",
    email: `${firstName.toLowerCase()}@example.com`,
  });
  return ((await res.json()) as { memberId: string }).memberId;
}

/** The minute cron at `at`, its `poll.step` messages recorded instead of sent. */
async function minuteCron(at: number): Promise<PollStepMessage[]> {
  const sent: PollStepMessage[] = [];
  const queue = {
    send: async (body: PollStepMessage) => void sent.push(body),
    sendBatch: async (messages: Iterable<{ body: PollStepMessage }>) => {
      for (const m of messages) sent.push(m.body);
    },
  } as unknown as Queue;
  const ctx = createExecutionContext();
  await worker.scheduled!(
    createScheduledController({ scheduledTime: at, cron: "* * * * *" }),
    { ...env, SYNC_QUEUE: queue },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return sent;
}

/** Delivers poll steps through the sync queue's consumer; continuations go to a recording queue too. */
async function deliver(messages: PollStepMessage[]): Promise<{ acked: number; continued: PollStepMessage[] }> {
  const continued: PollStepMessage[] = [];
  const queue = { send: async (body: PollStepMessage) => void continued.push(body) } as unknown as Queue;
  const batch = createMessageBatch(
    "sync",
    messages.map((body, i) => ({ id: `poll-${Date.now()}-${i}`, body, timestamp: new Date(), attempts: 1 })),
  );
  const ctx = createExecutionContext();
  await worker.queue!(batch, { ...env, SYNC_QUEUE: queue }, ctx);
  const result = (await getQueueResult(batch, ctx)) as { explicitAcks: string[] };
  return { acked: result.explicitAcks.length, continued };
}

async function connectAbc(tenant: Tenant, cookie: string, name: string): Promise<string> {
  const connected = await trpcMutation(
    "integrations.connect",
    {
      organisationId: tenant.organisation.id,
      name,
      system: "abc-ignite",
      baseUrl: `${env.ABC_URL}/rest`,
      credentials: {
        appId: "test-abc-app",
        appKey: "test-abc-key",
        clubNumber: env.ABC_CLUB,
        clubTimeZone: "America/Chicago",
      },
      locations: [{ locationId: env.ABC_CLUB, facilityId: tenant.granted.id }],
    },
    cookie,
  );
  expect(connected.status).toBe(200);
  await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
  return (connected.body.result?.data as { integrationId: string }).integrationId;
}

const stateOf = async (integrationId: string) =>
  (await db.select().from(sourcePollState).where(eq(sourcePollState.integrationId, integrationId)))[0]!;
const mine = (messages: PollStepMessage[], integrationId: string) =>
  messages.filter((m) => m.integrationId === integrationId);

async function rowOf(facilityId: string, externalId: string) {
  return eventually(
    async () =>
      (
        await db
          .select({ firstName: accessUser.firstName, organisation: accessUser.facilityId })
          .from(accessUser)
          .where(and(eq(accessUser.facilityId, facilityId), eq(accessUser.externalId, externalId)))
      )[0],
    (found) => found !== undefined,
  );
}

describe("ABC Ignite delta poll (ADR 0018)", () => {
  let tenant: Tenant;
  let cookie: string;
  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
  });
  afterAll(async () => {
    await control("traps", {});
  });

  it("leases a due club once, stores the window's changes, then moves the watermark; an overlapping window adds nothing", async () => {
    const integrationId = await connectAbc(tenant, cookie, "Club ABC");
    const memberId = await addAbcMember("Paula");
    const t0 = Date.now();
    const first = mine(await minuteCron(t0), integrationId);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ type: "poll.step", locationId: env.ABC_CLUB, cursor: null });
    expect(first[0]!.window).toEqual({ sinceMs: t0 - 2 * MINUTE, untilMs: t0 });
    // A second cron in the same minute finds the club leased.
    expect(mine(await minuteCron(t0), integrationId)).toHaveLength(0);
    expect(await stateOf(integrationId)).toMatchObject({ watermarkMs: t0, checkedAtMs: null });

    expect((await deliver(first)).acked).toBe(1);
    const after = await stateOf(integrationId);
    expect(after).toMatchObject({ watermarkMs: t0, leaseUntilMs: null, lastError: null, cursor: null });
    expect(after.checkedAtMs).not.toBeNull();
    const stored = await db
      .select({ webhookId: webhookInbox.webhookId })
      .from(webhookInbox)
      .where(like(webhookInbox.webhookId, `poll:${env.ABC_CLUB}:${memberId}:%`));
    expect(stored.length).toBeGreaterThanOrEqual(1);
    expect(await rowOf(tenant.granted.id, memberId)).toMatchObject({ firstName: "Paula" });

    // Three minutes after the check (the interval): due again; the window reaches back over the change,
    // which is stored once only.
    expect(mine(await minuteCron(t0 + 2 * MINUTE), integrationId)).toHaveLength(0);
    const again = mine(await minuteCron(t0 + 4 * MINUTE), integrationId);
    expect(again).toHaveLength(1);
    expect(again[0]!.window.sinceMs).toBe(t0 - 2 * MINUTE);
    await deliver(again);
    const restored = await db
      .select({ webhookId: webhookInbox.webhookId })
      .from(webhookInbox)
      .where(like(webhookInbox.webhookId, `poll:${env.ABC_CLUB}:${memberId}:%`));
    expect(restored).toHaveLength(stored.length);
    expect((await stateOf(integrationId)).watermarkMs).toBe(t0 + 4 * MINUTE);

    // Sync settings say how fresh the data is.
    const view = await trpcQuery("syncSettings.get", { facilityId: tenant.granted.id }, cookie);
    const item = (
      view.body.result?.data as { integrations: Array<{ integrationId: string; polls: Array<{ freshness: string }> }> }
    ).integrations.find((i) => i.integrationId === integrationId);
    expect(item?.polls[0]?.freshness).toMatch(/^checked (just now|\d+ minutes? ago)$/);
  });

  it("a poll lost with its Worker (a restart) keeps the watermark: after the lease the same window is read again", async () => {
    const other = await createTenant();
    const otherCookie = await signIn(other.admin.email, other.admin.password);
    const integrationId = await connectAbc(other, otherCookie, "Restarted ABC");
    const t0 = Date.now();
    const lost = mine(await minuteCron(t0), integrationId);
    expect(lost).toHaveLength(1);
    const memberId = await addAbcMember("Ronan");
    // The step never runs. Crons before the lease ends send nothing; the late one after it reads from the watermark.
    expect(mine(await minuteCron(t0 + 5 * MINUTE), integrationId)).toHaveLength(0);
    const retried = mine(await minuteCron(t0 + 11 * MINUTE), integrationId);
    expect(retried).toHaveLength(1);
    expect(retried[0]!.window).toEqual({ sinceMs: t0 - 2 * MINUTE, untilMs: t0 + 11 * MINUTE });
    // The lost message turning up late changes nothing: its window is not the club's any more.
    await deliver(lost);
    expect((await stateOf(integrationId)).watermarkMs).toBe(t0);
    await deliver(retried);
    expect((await stateOf(integrationId)).watermarkMs).toBe(t0 + 11 * MINUTE);
    expect(await rowOf(other.granted.id, memberId)).toMatchObject({ firstName: "Ronan" });
  });

  it("a 200 with no members and a reason is a failure: recorded, shown, the watermark stays; the next cron retries", async () => {
    const other = await createTenant();
    const otherCookie = await signIn(other.admin.email, other.admin.password);
    const integrationId = await connectAbc(other, otherCookie, "Trapped ABC");
    const t0 = Date.now();
    await control("traps", { emptyWithReason: { message: "Club is in maintenance" } });
    try {
      await deliver(mine(await minuteCron(t0), integrationId));
    } finally {
      await control("traps", {});
    }
    const failed = await stateOf(integrationId);
    expect(failed).toMatchObject({ watermarkMs: t0, checkedAtMs: null, leaseUntilMs: null });
    expect(failed.lastError).toMatch(/Club is in maintenance/);
    const view = await trpcQuery("syncSettings.get", { facilityId: other.granted.id }, otherCookie);
    const item = (
      view.body.result?.data as { integrations: Array<{ integrationId: string; polls: Array<{ lastError: string }> }> }
    ).integrations.find((i) => i.integrationId === integrationId);
    expect(item?.polls[0]?.lastError).toMatch(/200 with no members and the reason "Club is in maintenance"/);

    // Due again at once (a failure does not wait out the interval), from the same watermark.
    const retry = mine(await minuteCron(t0 + MINUTE), integrationId);
    expect(retry[0]!.window.sinceMs).toBe(t0 - 2 * MINUTE);
    await deliver(retry);
    expect(await stateOf(integrationId)).toMatchObject({ watermarkMs: t0 + MINUTE, lastError: null });
  });

  it("each organisation's poll writes to its own facility only, with its own state", async () => {
    const a = await createTenant();
    const b = await createTenant();
    const [cookieA, cookieB] = await Promise.all([
      signIn(a.admin.email, a.admin.password),
      signIn(b.admin.email, b.admin.password),
    ]);
    const integrationA = await connectAbc(a, cookieA, "Tenant A ABC");
    const integrationB = await connectAbc(b, cookieB, "Tenant B ABC");
    const memberId = await addAbcMember("Tamsin");
    const t0 = Date.now();
    const sent = await minuteCron(t0);
    await deliver([...mine(sent, integrationA), ...mine(sent, integrationB)]);
    expect(await rowOf(a.granted.id, memberId)).toMatchObject({ firstName: "Tamsin" });
    expect(await rowOf(b.granted.id, memberId)).toMatchObject({ firstName: "Tamsin" });
    const inbox = await db
      .select({ sender: webhookInbox.sender, organisationId: webhookInbox.organisationId })
      .from(webhookInbox)
      .where(like(webhookInbox.webhookId, `poll:${env.ABC_CLUB}:${memberId}:%`));
    expect(inbox).toEqual(
      expect.arrayContaining([
        { sender: `integration:${integrationA}`, organisationId: a.organisation.id },
        { sender: `integration:${integrationB}`, organisationId: b.organisation.id },
      ]),
    );
    // Neither sees the other's poll in its Sync settings, nor reads the other's facility's settings.
    const viewA = await trpcQuery("syncSettings.get", { facilityId: a.granted.id }, cookieA);
    const ids = (viewA.body.result?.data as { integrations: Array<{ integrationId: string }> }).integrations.map(
      (i) => i.integrationId,
    );
    expect(ids).toContain(integrationA);
    expect(ids).not.toContain(integrationB);
    const foreign = await trpcQuery("syncSettings.get", { facilityId: b.granted.id }, cookieA);
    expect(foreign.status).not.toBe(200);
  });
});
