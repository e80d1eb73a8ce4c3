/**
 * Faults (issue 8, part 3), through the Worker's own queue and cron handlers, on a database of this file's own:
 *  (a) a `sync` batch whose 6th message fails mid-transaction, then the whole batch delivered again,
 *      ends where one clean delivery ends;
 *  (b) the partner's listing failing at page k of n (5xx past the retries, a timeout, malformed pages):
 *      the pass fails, nobody is removed, and the next pass completes (faults set on a second demo
 *      partner over `/control/faults`);
 *  (e) two cron invocations at once, their pass.start messages consumed at once, and "Sync now" racing
 *      them: one pass.
 *  (f) a grant added or removed while the row's version bump fails (issue 18): nothing changes.
 * (c), a database error at every statement of a pass, is packages/db/test/faults.test.ts.
 * (d), invitations, belongs to the invitations work and is not here.
 */
import { describe, it, expect, beforeAll } from "vitest";
import { env } from "cloudflare:test";
import { and, asc, eq, isNotNull, sql } from "drizzle-orm";
import {
  accessGrant,
  accessUser,
  activityEntry,
  insertIntegration,
  newId,
  syncPass,
  updateSyncSettings,
  webhookInbox,
} from "@uas/db";
import { createTenant, type Tenant } from "./support";
import { createWebhookTenant, type WebhookTenant } from "./webhooks-helpers";
import { postSigned, workerHarness } from "./reliability-support";

const LISTING_TIMEOUT_MS = 300;
const h = workerHarness(env.FAULTS_DATABASE_URL, {
  WEBHOOK_RATE_LIMIT: "off",
  // One listing page per queue message, so a fault can be set between pages; short timeout and retries.
  PASS_PAGES_PER_STEP: "1",
  LISTING_PAGE_SIZE: "40",
  LISTING_TIMEOUT_MS: String(LISTING_TIMEOUT_MS),
  LISTING_RETRIES: "2",
  LISTING_RETRY_DELAY_MS: "10",
});
const db = h.db;

type ApplyMessage = { type: "webhook.apply"; version: 2; sender: string; webhookId: string };

/** What a person's row says, without ids, write times and versions (which differ between runs). */
async function people(facilityId: string) {
  const rows = await db
    .select()
    .from(accessUser)
    .where(eq(accessUser.facilityId, facilityId))
    .orderBy(asc(accessUser.source), asc(accessUser.externalId));
  return rows.map((r) => ({
    source: r.source,
    externalId: r.externalId,
    firstName: r.firstName,
    lastName: r.lastName,
    email: r.email,
    mobilePhone: r.mobilePhone,
    personType: r.personType,
    membershipStatus: r.membershipStatus,
    syncedTags: r.syncedTags,
    removed: r.removedAtSourceAt !== null,
    accessEnabled: r.accessEnabled,
  }));
}

describe("(a) a sync batch that fails half-way, delivered again", () => {
  /** Ten events, in an order where applying the 6th late changes which of them is the stale one. */
  function events(faultyName: string) {
    const member = (id: string, data: Record<string, unknown>) => ({
      type: "member.upserted",
      data: {
        external_id: id,
        first_name: "Ada",
        last_name: id,
        email: `${id.toLowerCase()}@example.com`,
        mobile_phone: null,
        location_ids: ["loc-north"],
        updated_at: "2026-11-24T09:00:00Z",
        ...data,
      },
    });
    return [
      { to: "integration", event: member("P1", {}) },
      { to: "integration", event: member("P2", { tags: ["gold"] }) },
      { to: "integration", event: member("P3", { email: null }) },
      { to: "integration", event: member("P1", { last_name: "Changed", updated_at: "2026-11-24T10:00:00Z" }) },
      {
        to: "integration",
        event: {
          type: "member.removed",
          data: { external_id: "P2", location_ids: ["loc-north"], updated_at: "2026-11-24T10:00:00Z" },
        },
      },
      // The 6th: its write fails the first time (the trigger below), after the inbox row was claimed.
      { to: "integration", event: member("P4", { first_name: faultyName, updated_at: "2026-11-24T11:00:00Z" }) },
      { to: "integration", event: member("P5", {}) },
      // Older than the 6th: stale after it, but first if the 6th comes late.
      { to: "integration", event: member("P4", { first_name: "Older", updated_at: "2026-11-24T08:00:00Z" }) },
      {
        to: "cctv",
        event: {
          type: "person.identified",
          data: {
            person_id: "C1",
            first_name: "Grace",
            email: "grace@example.com",
            updated_at: "2026-11-24T09:00:00Z",
          },
        },
      },
      { to: "integration", event: member("P6", { membership_status: "frozen" }) },
    ] as const;
  }

  async function post(t: WebhookTenant, list: ReturnType<typeof events>) {
    const ids: string[] = [];
    for (const { to, event } of list) {
      const res = await postSigned(
        h,
        to === "integration" ? t.integrationUrl : t.cctvUrl,
        to === "integration" ? t.integration.webhookSecret : t.cctv.webhookSecret,
        event,
      );
      expect(res.status).toBe(202);
      ids.push(res.id);
    }
    const messages = h.webhooks.sent.splice(0) as ApplyMessage[];
    expect(messages.map((m) => m.webhookId)).toEqual(ids);
    return messages.map((body, i) => ({ id: `m${i + 1}-${newId("q")}`, body }));
  }

  async function entriesPerWebhook(t: WebhookTenant) {
    const rows = await db
      .select({ webhookId: activityEntry.webhookId, n: sql<number>`count(*)` })
      .from(activityEntry)
      .where(eq(activityEntry.facilityId, t.granted.id))
      .groupBy(activityEntry.webhookId);
    return new Map(rows.map((r) => [r.webhookId, Number(r.n)]));
  }

  it("ends in the same state as one clean delivery, each event applied once", async () => {
    const clean = await createWebhookTenant(db, { sourcesOn: true });
    const faulty = await createWebhookTenant(db, { sourcesOn: true });
    const faultyName = `Newer-${newId("f").slice(-8)}`;

    const cleanBatch = await post(clean, events(faultyName));
    const once = await h.deliver("webhooks", cleanBatch);
    expect(once.retryMessages).toEqual([]);

    const batch = await post(faulty, events(faultyName));
    const trigger = `fault_${newId("t").slice(-12)}`;
    await db.run(
      sql.raw(
        `CREATE TRIGGER ${trigger} BEFORE INSERT ON access_user WHEN NEW.facility_id = '${faulty.granted.id}' AND NEW.first_name = '${faultyName}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
      ),
    );
    try {
      const first = await h.deliver("webhooks", batch);
      // The 6th is retried (never acked); the others are acked: the consumer goes on after a failure.
      expect(first.retryMessages.map((m) => m.msgId)).toEqual([batch[5]!.id]);
      expect(first.explicitAcks.sort()).toEqual(
        batch
          .filter((_, i) => i !== 5)
          .map((m) => m.id)
          .sort(),
      );
      // Its transaction rolled back whole: the inbox claim too, and no entry was written for it.
      const [sixth] = await db.select().from(webhookInbox).where(eq(webhookInbox.webhookId, batch[5]!.body.webhookId));
      expect(sixth?.state).not.toBe("applied");
      expect((await entriesPerWebhook(faulty)).get(batch[5]!.body.webhookId)).toBeUndefined();
    } finally {
      await db.run(sql.raw(`DROP TRIGGER IF EXISTS ${trigger}`));
    }

    // The worst re-delivery: the whole batch again, as if every ack had been lost.
    const again = await h.deliver(
      "webhooks",
      batch.map((m) => ({ ...m, attempts: 2 })),
    );
    expect(again.retryMessages).toEqual([]);

    expect(await people(faulty.granted.id)).toEqual(await people(clean.granted.id));
    expect((await people(faulty.granted.id)).find((p) => p.externalId === "P4")?.firstName).toBe(faultyName);
    const inbox = await db.select().from(webhookInbox).where(eq(webhookInbox.organisationId, faulty.organisation.id));
    expect(inbox.map((r) => r.state)).toEqual(Array(10).fill("applied"));
    const perWebhook = await entriesPerWebhook(faulty);
    expect(batch.map((m) => perWebhook.get(m.body.webhookId))).toEqual(Array(10).fill(1));
  });
});

describe("(b) the partner's listing fails at page k of n", () => {
  let tenant: Tenant;
  let cookie: string;
  const PAGE_SIZE = 40;

  async function setFaults(faults: Record<string, unknown>) {
    const res = await fetch(`${env.FAULTY_PARTNER_URL}/control/faults`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.DEMO_PARTNER_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(faults),
    });
    expect(res.status, await res.clone().text()).toBe(200);
  }

  async function partnerMemberCount(): Promise<number> {
    const res = await fetch(`${env.FAULTY_PARTNER_URL}/members?limit=1000`, {
      headers: { authorization: `Bearer ${env.DEMO_PARTNER_KEY}` },
    });
    const page = (await res.json()) as { data: unknown[]; next_cursor: string | null };
    expect(page.next_cursor).toBeNull();
    return page.data.length;
  }

  /** Removes people at the partner who have an active row here: a complete pass would disable them. */
  async function removeAtPartner(n: number): Promise<string[]> {
    const rows = await db
      .select({ externalId: accessUser.externalId })
      .from(accessUser)
      .where(and(eq(accessUser.facilityId, tenant.granted.id), sql`${accessUser.removedAtSourceAt} IS NULL`))
      .orderBy(asc(accessUser.externalId))
      .limit(n);
    for (const { externalId } of rows) {
      const res = await fetch(`${env.FAULTY_PARTNER_URL}/control/members/${externalId}/remove`, {
        method: "POST",
        headers: { authorization: `Bearer ${env.DEMO_PARTNER_KEY}` },
      });
      expect(res.status).toBe(200);
    }
    return rows.map((r) => r.externalId!);
  }

  async function removedHere(): Promise<string[]> {
    const rows = await db
      .select({ externalId: accessUser.externalId })
      .from(accessUser)
      .where(and(eq(accessUser.facilityId, tenant.granted.id), isNotNull(accessUser.removedAtSourceAt)));
    return rows.map((r) => r.externalId!).sort();
  }

  type PassView = {
    passId: string;
    state: string;
    reason: string | null;
    counts: { added: number; disabled: number };
    progress: { pagesDone: number };
  };

  /** "Sync now", then every step the Worker enqueues, delivered to its consumer one by one (a retried one again). */
  async function runPass(beforeStep?: (pagesDone: number) => Promise<void>): Promise<PassView> {
    const started = await h.trpc(
      "mutation",
      "passes.syncNow",
      { facilityId: tenant.granted.id, source: "integration" },
      cookie,
    );
    expect(started.status, started.text).toBe(200);
    const passId = (started.body?.result?.data as { started: boolean; pass: PassView }).pass.passId;
    expect((started.body?.result?.data as { started: boolean }).started).toBe(true);
    for (let round = 0; round < 100; round++) {
      const steps = h.sync.sent
        .splice(0)
        .filter(
          (m) =>
            (m as { type: string; passId?: string }).type === "pass.step" &&
            (m as { passId: string }).passId === passId,
        );
      if (steps.length === 0) break;
      for (const body of steps) {
        const [pass] = await db.select().from(syncPass).where(eq(syncPass.id, passId));
        await beforeStep?.(pass!.pagesDone);
        let result = await h.deliver("sync", [{ id: newId("step"), body }]);
        for (let retry = 0; result.retryMessages.length > 0 && retry < 5; retry++) {
          result = await h.deliver("sync", [{ id: newId("step"), body, attempts: retry + 2 }]);
        }
        expect(result.retryMessages).toEqual([]);
      }
    }
    const view = await h.trpc("query", "passes.get", { facilityId: tenant.granted.id, passId }, cookie);
    return view.body?.result?.data as PassView;
  }

  beforeAll(async () => {
    await setFaults({});
    tenant = await createTenant(db);
    await insertIntegration(
      db,
      {
        organisationId: tenant.organisation.id,
        name: "Faulty Partner",
        baseUrl: env.FAULTY_PARTNER_URL,
        apiKey: env.DEMO_PARTNER_KEY,
        locations: { "loc-north": tenant.granted.id },
      },
      Date.now(),
    );
    await updateSyncSettings(db, tenant.granted.id, { integrationsEnabled: true }, Date.now());
    cookie = await h.signIn(tenant.admin.email, tenant.admin.password);
    const first = await runPass();
    expect(first).toMatchObject({ state: "complete" });
    expect(first.counts.added).toBeGreaterThan(50);
  });

  const cases: Array<{ name: string; page: number; fault?: Record<string, unknown>; delayMs?: number }> = [
    { name: "a 500 on every attempt (past the retries)", page: 4, fault: { failPage: { page: 4, status: 500 } } },
    {
      name: `a timeout (answers after ${LISTING_TIMEOUT_MS * 4} ms, the limit is ${LISTING_TIMEOUT_MS} ms)`,
      page: 3,
      delayMs: LISTING_TIMEOUT_MS * 4,
    },
    { name: "a page cut off mid-JSON", page: 5, fault: { malformedPage: { page: 5, kind: "truncated-json" } } },
    {
      name: "a page that is JSON but not a listing page",
      page: 2,
      fault: { malformedPage: { page: 2, kind: "wrong-shape" } },
    },
  ];

  for (const c of cases) {
    it(`${c.name} at page ${c.page}: the pass fails, nobody is removed, and the next pass completes`, async () => {
      const gone = await removeAtPartner(3);
      const pages = Math.ceil((await partnerMemberCount()) / PAGE_SIZE);
      expect(c.page).toBeLessThan(pages);
      const removedBefore = await removedHere();
      if (c.fault) await setFaults(c.fault);
      let failed: PassView;
      try {
        failed = await runPass(async (pagesDone) => {
          // The slow partner from page k on: pages before it answered in time.
          if (c.delayMs && pagesDone === c.page - 1) await setFaults({ delayMs: c.delayMs });
        });
      } finally {
        await setFaults({});
      }
      expect(failed).toMatchObject({ state: "failed", counts: { disabled: 0 }, progress: { pagesDone: c.page - 1 } });
      expect(failed.reason).toMatch(/^Could not read the listing/);
      expect(await removedHere()).toEqual(removedBefore);

      const next = await runPass();
      expect(next).toMatchObject({ state: "complete", counts: { disabled: 3 }, progress: { pagesDone: pages } });
      expect(await removedHere()).toEqual([...removedBefore, ...gone].sort());
    });
  }

  it("a fault the retries absorb (two 500s, then the page) does not fail the pass", async () => {
    const gone = await removeAtPartner(2);
    const removedBefore = await removedHere();
    await setFaults({ failPage: { page: 3, status: 500, times: 2 } });
    try {
      const pass = await runPass();
      expect(pass).toMatchObject({ state: "complete", counts: { disabled: 2 } });
    } finally {
      await setFaults({});
    }
    expect(await removedHere()).toEqual([...removedBefore, ...gone].sort());
  });
});

describe("(e) two cron invocations at once", () => {
  it("start one nightly pass, even when their messages are consumed at once and Sync now races them", async () => {
    const t = await createTenant(db);
    await updateSyncSettings(db, t.granted.id, { integrationsEnabled: true }, Date.now());
    const cookie = await h.signIn(t.admin.email, t.admin.password);
    const mine = (m: unknown) =>
      (m as { facilityId?: string; type: string }).facilityId === t.granted.id &&
      (m as { type: string }).type === "pass.start";

    // 04:00 and 04:15 in London (past any facility's jittered start) fire together (a late cron and the next one): both find no pass yet.
    h.sync.sent.length = 0;
    await Promise.all([h.scheduled(Date.UTC(2026, 10, 24, 4, 0)), h.scheduled(Date.UTC(2026, 10, 24, 4, 15))]);
    const starts = h.sync.sent.filter(mine);
    expect(starts).toHaveLength(2);
    h.sync.sent.length = 0;

    // Two consumers take one message each, at the same moment, while the admin presses Sync now.
    const [a, b, syncNow] = await Promise.all([
      h.deliver("sync", [{ id: "cron-a", body: starts[0] }]),
      h.deliver("sync", [{ id: "cron-b", body: starts[1] }]),
      h.trpc("mutation", "passes.syncNow", { facilityId: t.granted.id, source: "integration" }, cookie),
    ]);
    expect([...a.explicitAcks, ...b.explicitAcks].sort()).toEqual(["cron-a", "cron-b"]);
    expect(syncNow.status).toBe(200);

    const passes = await db.select().from(syncPass).where(eq(syncPass.facilityId, t.granted.id));
    expect(passes).toHaveLength(1);
    const running = (syncNow.body?.result?.data as { pass: { passId: string } }).pass.passId;
    expect(running).toBe(passes[0]!.id);
    // One pass, so one chain of steps.
    expect(
      h.sync.sent.filter(
        (m) =>
          (m as { type: string; passId?: string }).type === "pass.step" && (m as { passId: string }).passId === running,
      ),
    ).toHaveLength(1);

    // A third cron that night finds the pass (running or done) and starts nothing.
    h.sync.sent.length = 0;
    await h.scheduled(Date.UTC(2026, 10, 24, 4, 30));
    if (passes[0]!.nightlyDate === "2026-11-24") expect(h.sync.sent.filter(mine)).toEqual([]);
  });
});

describe("(f) a grant change whose version bump fails", () => {
  it("changes neither the grants nor the row: the bulk-delete preview's fingerprint never misses a grant", async () => {
    const t = await createTenant(db);
    const cookie = await h.signIn(t.admin.email, t.admin.password);
    const created = await h.trpc(
      "mutation",
      "users.create",
      {
        facilityId: t.granted.id,
        firstName: "Grace",
        lastName: "Hopper",
        email: `grace.${newId("g").slice(-8)}@example.com`,
        mobilePhone: null,
      },
      cookie,
    );
    expect(created.status).toBe(200);
    const userId = (created.body?.result?.data as { id: string }).id;
    const state = async () => ({
      grants: (await db.select().from(accessGrant).where(eq(accessGrant.userId, userId))).map((g) => g.name),
      version: (await db.select().from(accessUser).where(eq(accessUser.id, userId)))[0]!.version,
    });

    const trigger = `fault_${newId("t").slice(-12)}`;
    const failBump = () =>
      db.run(
        sql.raw(
          `CREATE TRIGGER ${trigger} BEFORE UPDATE ON access_user WHEN NEW.id = '${userId}' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`,
        ),
      );
    const dropTrigger = () => db.run(sql.raw(`DROP TRIGGER ${trigger}`));

    const before = await state();
    await failBump();
    try {
      const add = await h.trpc(
        "mutation",
        "users.grants.add",
        { facilityId: t.granted.id, userId, name: "Pool" },
        cookie,
      );
      expect(add.status).toBe(500);
      expect(await state()).toEqual(before);
    } finally {
      await dropTrigger();
    }

    const added = await h.trpc(
      "mutation",
      "users.grants.add",
      { facilityId: t.granted.id, userId, name: "Pool" },
      cookie,
    );
    expect(added.status).toBe(200);
    const withGrant = await state();
    expect(withGrant).toEqual({ grants: ["Pool"], version: before.version + 1 });
    const grantId = (added.body?.result?.data as { grants: Array<{ id: string }> }).grants[0]!.id;

    await failBump();
    try {
      const remove = await h.trpc(
        "mutation",
        "users.grants.remove",
        { facilityId: t.granted.id, userId, grantId },
        cookie,
      );
      expect(remove.status).toBe(500);
      expect(await state()).toEqual(withGrant);
    } finally {
      await dropTrigger();
    }
    expect(
      (await h.trpc("mutation", "users.grants.remove", { facilityId: t.granted.id, userId, grantId }, cookie)).status,
    ).toBe(200);
    expect(await state()).toEqual({ grants: [], version: before.version + 2 });
  });
});
