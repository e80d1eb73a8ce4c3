import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { env } from "cloudflare:test";
import { and, eq, inArray, like, sql } from "drizzle-orm";
import { accessUser, activityEntry, webhookInbox } from "@uas/db";
import { eventually } from "../../../test/invitations-support";
import { createTenant, signIn, trpcQuery, type Tenant } from "../../../test/support";
import {
  MINUTE,
  addAbcMember,
  connectAbc,
  control,
  db,
  deliver,
  mine,
  minuteCron,
  rowOf,
  stateOf,
} from "../../../test/poll-support";
import type { PollStepMessage } from "./step-message";

/**
 * ABC Ignite's continuous sync (ADR 0018) through the Worker's own cron and queue handlers: the minute cron
 * leases the due clubs and sends `poll.step` messages (caught here by a recording queue, then delivered
 * by hand, so a "restart" can drop one); the step reads the delta from the simulator over HTTP, stores it
 * in the inbox and moves the watermark; the stored changes are applied by the real webhooks queue.
 */

const CHANGES = 450;

/** Delivers a step and each continuation it sends, until the poll ends; the messages delivered. */
async function runToEnd(first: PollStepMessage): Promise<PollStepMessage[]> {
  const delivered: PollStepMessage[] = [];
  let next: PollStepMessage | undefined = first;
  while (next !== undefined) {
    delivered.push(next);
    const { acked, continued } = await deliver([next]);
    expect(acked).toBe(1);
    expect(continued.length).toBeLessThanOrEqual(1);
    next = continued[0];
  }
  return delivered;
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
      view.body.result?.data as {
        integrations: Array<{
          integrationId: string;
          polls: Array<{ freshness: string; watermarkAt: number; clubTimeZone: string }>;
        }>;
      }
    ).integrations.find((i) => i.integrationId === integrationId);
    expect(item?.polls[0]?.freshness).toMatch(/^checked (just now|\d+ minutes? ago)$/);
    // The watermark and the club's zone, for the page to show it on the club's clock.
    expect(item?.polls[0]).toMatchObject({ watermarkAt: t0 + 4 * MINUTE, clubTimeZone: "America/Chicago" });
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

  // A poll window too large for one `poll.step` (ADR 0018): the tests' LISTING_PAGE_SIZE is 40, so a step
  // reads 5 × 40 = 200 ABC members and a window of 450 changes takes three steps. Between the steps a second
  // cron comes (the club is leased: nothing sent), a member changes again, and the Worker running the poll
  // dies (its continuation is never delivered). The cron after the lease reads the window again from the
  // watermark; the lost continuation turning up late changes nothing. Every change ends up applied, once.
  it("a window of several steps, a late cron and a lost step between them: no change missed, none applied twice", async () => {
    const busy = await createTenant();
    const integrationId = await connectAbc(busy, await signIn(busy.admin.email, busy.admin.password), "Busy ABC");
    const memberIds: string[] = [];
    for (let i = 0; i < CHANGES; i += 50) {
      const batch = Array.from({ length: Math.min(50, CHANGES - i) }, (_, j) => addAbcMember(`Stepped${i + j}`));
      memberIds.push(...(await Promise.all(batch)));
    }

    const t0 = Date.now();
    const first = mine(await minuteCron(t0), integrationId);
    expect(first).toHaveLength(1);
    const step1 = await deliver(first);
    expect(step1.continued).toHaveLength(1);
    const lost = step1.continued[0]!;
    expect(lost.cursor).not.toBeNull();
    // Mid-poll: the cursor is stored, the watermark has not moved, nothing says "checked" yet.
    expect(await stateOf(integrationId)).toMatchObject({ watermarkMs: t0, checkedAtMs: null, cursor: lost.cursor });

    // A second cron a minute on finds the club leased (its poll is still running): nothing is sent.
    expect(mine(await minuteCron(t0 + MINUTE), integrationId)).toHaveLength(0);

    // A member whose first version the first step stored changes again (a second later: whole seconds).
    const sender = `integration:${integrationId}`;
    const readFirst = await db
      .select({ webhookId: webhookInbox.webhookId })
      .from(webhookInbox)
      .where(eq(webhookInbox.sender, sender));
    const changed = memberIds.find((id) => readFirst.some((row) => row.webhookId.split(":")[2] === id));
    if (changed === undefined) throw new Error("the first step stored none of the new members");
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await control("members", { memberId: changed, firstName: "Changed" })).status).toBe(200);

    // The Worker dies with the continuation: no cron sends anything until the lease has run out, then the
    // late cron reads the whole window again from the watermark, in steps.
    expect(mine(await minuteCron(t0 + 5 * MINUTE), integrationId)).toHaveLength(0);
    const retried = mine(await minuteCron(t0 + 11 * MINUTE), integrationId);
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ cursor: null, window: { sinceMs: t0 - 2 * MINUTE, untilMs: t0 + 11 * MINUTE } });
    const steps = await runToEnd(retried[0]!);
    expect(steps.length).toBeGreaterThanOrEqual(3);
    expect(await stateOf(integrationId)).toMatchObject({
      watermarkMs: t0 + 11 * MINUTE,
      cursor: null,
      leaseUntilMs: null,
      lastError: null,
    });

    // The lost continuation, delivered late: its poll is over, so it reads and stores nothing.
    const storedBefore = await db.$count(webhookInbox, eq(webhookInbox.sender, sender));
    await deliver([lost]);
    expect(await db.$count(webhookInbox, eq(webhookInbox.sender, sender))).toBe(storedBefore);
    expect((await stateOf(integrationId)).watermarkMs).toBe(t0 + 11 * MINUTE);

    // Every member is a row, with its latest version; each stored change once, each applied once.
    const rows = await eventually(
      () =>
        db
          .select({ externalId: accessUser.externalId, firstName: accessUser.firstName })
          .from(accessUser)
          .where(and(eq(accessUser.facilityId, busy.granted.id), inArray(accessUser.externalId, memberIds))),
      (found) => found.length === CHANGES && found.some((row) => row.firstName === "Changed"),
      30_000,
    );
    expect(rows).toHaveLength(CHANGES);
    expect(rows.find((row) => row.externalId === changed)?.firstName).toBe("Changed");
    const stored = await db
      .select({ webhookId: webhookInbox.webhookId })
      .from(webhookInbox)
      .where(and(eq(webhookInbox.sender, sender), like(webhookInbox.webhookId, `poll:${env.ABC_CLUB}:%`)));
    const storedOfMembers = stored.filter((row) => memberIds.includes(row.webhookId.split(":")[2] ?? ""));
    // One version of each member, two of the one changed mid-poll.
    expect(storedOfMembers).toHaveLength(CHANGES + 1);
    const ofThisPoll = and(
      eq(activityEntry.integrationId, integrationId),
      inArray(activityEntry.webhookId, sql`(SELECT webhook_id FROM webhook_inbox WHERE sender = ${sender})`),
    );
    expect(await db.$count(activityEntry, ofThisPoll)).toBeGreaterThanOrEqual(CHANGES + 1);
    const appliedTwice = await db
      .select({ webhookId: activityEntry.webhookId, n: sql<number>`count(*)` })
      .from(activityEntry)
      .where(ofThisPoll)
      .groupBy(activityEntry.webhookId)
      .having(sql`count(*) > 1`);
    expect(appliedTwice).toEqual([]);
  });
});
