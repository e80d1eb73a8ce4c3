/**
 * Retention as queue work (issue 19, item 5): the cron sends one `retention.prune` message per rule with
 * rows past their retention (a rule with none costs a read, not a message), and
 * each message deletes at most one batch (PRUNE_BATCH_SIZE, here 500) and sends its continuation while
 * there is more. A backlog of several batches is pruned over several messages; nothing within its
 * retention is touched, whichever organisation it belongs to; a repeated message changes nothing.
 */
import { describe, expect, it } from "vitest";
import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { activityEntry, newId, sourceRemoval, webhookInbox } from "@uas/db";
import { createTenant } from "./support";
import { workerHarness } from "./reliability-support";

const BATCH = 500;
const DAY = 86_400_000;
const h = workerHarness(env.RETENTION_DATABASE_URL, { PRUNE_BATCH_SIZE: String(BATCH) });

type Prune = { type: "retention.prune"; target: "activity" | "inbox" | "removals"; now: number; after?: number };
const isPrune = (m: unknown): m is Prune => (m as { type?: string }).type === "retention.prune";

async function insertActivity(organisationId: string, facilityId: string, count: number, at: number) {
  await h.db.run(sql`
    INSERT INTO activity_entry (at, organisation_id, facility_id, source, external_id, name, outcome)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
    SELECT ${at}, ${organisationId}, ${facilityId}, 'integration', 'M-' || i, 'Person ' || i, 'processed' FROM n`);
}

async function insertInbox(organisationId: string, sender: string, count: number, receivedAt: number, state: string) {
  await h.db.run(sql`
    INSERT INTO webhook_inbox (sender, webhook_id, organisation_id, received_at, payload, state, applied_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
    SELECT ${sender}, ${`${state}-${receivedAt}-`} || i, ${organisationId}, ${receivedAt}, '{}', ${state},
      CASE WHEN ${state} = 'applied' THEN ${receivedAt} END FROM n`);
}

async function insertRemovals(facilityId: string, count: number, recordedAt: number) {
  await h.db.run(sql`
    INSERT INTO source_removal (facility_id, source, integration_key, external_id, source_updated_at, recorded_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
    SELECT ${facilityId}, 'cctv', '', ${`R-${recordedAt}-`} || i, ${recordedAt}, ${recordedAt} FROM n`);
}

async function counts() {
  const [row] = await h.db.all<{ activity: number; inbox: number; removals: number }>(sql`
    SELECT (SELECT count(*) FROM ${activityEntry}) AS activity, (SELECT count(*) FROM ${webhookInbox}) AS inbox,
      (SELECT count(*) FROM ${sourceRemoval}) AS removals`);
  if (!row) throw new Error("no counts");
  return row;
}

/** Delivers the recorded prune messages one at a time, as the queue would, until none is sent again. */
async function drain(): Promise<{ delivered: Prune[]; largestStep: number }> {
  const delivered: Prune[] = [];
  let largestStep = 0;
  for (let round = 0; round < 50; round += 1) {
    const next = h.sync.sent.filter(isPrune);
    h.sync.sent.length = 0;
    if (next.length === 0) return { delivered, largestStep };
    for (const body of next) {
      const before = await counts();
      const result = await h.deliver("sync", [{ id: newId("msg"), body }]);
      expect(result.retryMessages).toEqual([]);
      const after = await counts();
      largestStep = Math.max(largestStep, before[body.target] - after[body.target]);
      delivered.push(body);
    }
  }
  throw new Error("the retention chain did not end");
}

describe("retention as bounded queue work", () => {
  it("prunes a backlog of several batches over several messages, and nothing within its retention", async () => {
    const now = Date.now();
    const a = await createTenant(h.db);
    const b = await createTenant(h.db);
    const senderA = `integration:${newId("int")}`;
    const senderB = `integration:${newId("int")}`;
    // Oldest first, as ids follow time: a backlog of 1,300 entries past 90 days across both organisations,
    // then entries within the retention (one a minute short of it).
    await insertActivity(a.organisation.id, a.granted.id, 1000, now - 120 * DAY);
    await insertActivity(b.organisation.id, b.granted.id, 300, now - 91 * DAY);
    await insertActivity(a.organisation.id, a.granted.id, 40, now - 90 * DAY + 60_000);
    await insertActivity(b.organisation.id, b.granted.id, 60, now - DAY);
    await insertInbox(a.organisation.id, senderA, 1200, now - 15 * DAY, "applied");
    await insertInbox(a.organisation.id, senderA, 5, now - 30 * DAY, "failed");
    await insertInbox(a.organisation.id, senderA, 5, now - 30 * DAY, "enqueued");
    await insertInbox(b.organisation.id, senderB, 20, now - 13 * DAY, "applied");
    await insertRemovals(a.granted.id, 1100, now - 91 * DAY);
    await insertRemovals(b.granted.id, 30, now - 89 * DAY);

    await h.scheduled(now);
    const sent = h.sync.sent.filter(isPrune);
    expect(sent.map((m) => m.target).sort()).toEqual(["activity", "inbox", "removals"]);
    const first = sent.find((m) => m.target === "activity");
    const { delivered, largestStep } = await drain();

    const steps = (target: Prune["target"]) => delivered.filter((m) => m.target === target).length;
    // 1,300 entries at 500 a message: 500, 500, then 300 in the range that reaches the retained ones,
    // where the walk ends.
    expect(steps("activity")).toBe(3);
    expect(steps("inbox")).toBe(3); // 500 + 500 + 200
    expect(steps("removals")).toBe(3); // 500 + 500 + 100
    expect(largestStep).toBeLessThanOrEqual(BATCH);
    expect(await counts()).toEqual({ activity: 100, inbox: 30, removals: 30 });

    const [left] = await h.db.all<{ a: number; b: number; oldest: number }>(sql`
      SELECT sum(organisation_id = ${a.organisation.id}) AS a, sum(organisation_id = ${b.organisation.id}) AS b,
        min(at) AS oldest FROM activity_entry`);
    expect(left).toEqual({ a: 40, b: 60, oldest: now - 90 * DAY + 60_000 });
    const inbox = await h.db.all<{ sender: string; state: string; n: number }>(sql`
      SELECT sender, state, count(*) AS n FROM webhook_inbox GROUP BY sender, state ORDER BY sender = ${senderB}, state`);
    expect(inbox).toEqual([
      { sender: senderA, state: "enqueued", n: 5 },
      { sender: senderA, state: "failed", n: 5 },
      { sender: senderB, state: "applied", n: 20 },
    ]);
    const removals = await h.db.all<{ facility: string; n: number }>(sql`
      SELECT facility_id AS facility, count(*) AS n FROM source_removal GROUP BY facility_id`);
    expect(removals).toEqual([{ facility: b.granted.id, n: 30 }]);

    // A repeated message (a redelivery, or a chain started again) is harmless.
    const before = await counts();
    await h.deliver("sync", [{ id: newId("msg"), body: first }]);
    await drain();
    expect(await counts()).toEqual(before);
  });

  it("sends a rule's prune only while it has rows past their retention", async () => {
    const now = Date.now();
    const tenant = await createTenant(h.db);
    // What the first test left is all within its retention: the cron sends nothing.
    h.sync.sent.length = 0;
    await h.scheduled(now);
    expect(h.sync.sent.filter(isPrune)).toEqual([]);

    // An applied webhook past 14 days: only the inbox rule is sent, and it prunes it.
    const sender = `integration:${newId("int")}`;
    await insertInbox(tenant.organisation.id, sender, 3, now - 15 * DAY, "applied");
    await h.scheduled(now);
    expect(h.sync.sent.filter(isPrune).map((m) => m.target)).toEqual(["inbox"]);
    await drain();
    // Past their retention, a remembered removal and an activity entry are each their own rule's.
    await insertRemovals(tenant.granted.id, 2, now - 91 * DAY);
    await h.scheduled(now);
    expect(h.sync.sent.filter(isPrune).map((m) => m.target)).toEqual(["removals"]);
    await drain();
    await insertActivity(tenant.organisation.id, tenant.granted.id, 2, now - 100 * DAY);
    await h.scheduled(now);
    expect(h.sync.sent.filter(isPrune).map((m) => m.target)).toEqual(["activity"]);
    await drain();
    await h.scheduled(now);
    expect(h.sync.sent.filter(isPrune)).toEqual([]);
  });

  it("keeps what repeats derive from 30 days past the retention without sending a prune for it", async () => {
    const now = Date.now();
    const tenant = await createTenant(h.db);
    // 100 days old: a pass's written Skipped entry and a page record stored in full (ADR 0019: later
    // Skipped entries and page records may read them), and a Processed entry.
    const passId = newId("pas");
    await h.db.run(sql`INSERT INTO sync_pass (id, facility_id, source, trigger, state, started_at)
      VALUES (${passId}, ${tenant.granted.id}, 'integration', 'nightly', 'complete', ${now - 100 * DAY})`);
    await h.db.run(sql`INSERT INTO sync_pass_page (pass_id, integration_key, page_key, at, organisation_id,
        facility_id, source, met, not_derived, first_entry_id, processed_count)
      VALUES (${passId}, 'int', '', ${now - 100 * DAY}, ${tenant.organisation.id}, ${tenant.granted.id},
        'integration', '["M-1"]', '[]', 1, 1)`);
    await h.db.run(sql`INSERT INTO activity_entry (at, organisation_id, facility_id, source, external_id, name, outcome,
        reason, pass_id)
      VALUES (${now - 100 * DAY}, ${tenant.organisation.id}, ${tenant.granted.id}, 'integration', 'S-1', 'Skip', 'skipped',
        'No email', ${passId})`);
    const kept = async () => {
      const [row] = await h.db.all<{ entries: number; pages: number }>(sql`
        SELECT (SELECT count(*) FROM activity_entry WHERE pass_id = ${passId}) AS entries,
          (SELECT count(*) FROM sync_pass_page WHERE pass_id = ${passId}) AS pages`);
      return row;
    };
    h.sync.sent.length = 0;
    await h.scheduled(now);
    expect(h.sync.sent.filter(isPrune)).toEqual([]);
    expect(await kept()).toEqual({ entries: 1, pages: 1 });
    // 121 days later than they were written, they are past it too: pruned.
    await h.scheduled(now + 21 * DAY);
    expect(h.sync.sent.filter(isPrune).map((m) => m.target)).toContain("activity");
    await drain();
    expect(await kept()).toEqual({ entries: 0, pages: 0 });
  });
});
