import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { INBOX_RETENTION_DAYS, pruneAppliedInboxRows } from "../src";
import { webhookInbox, type Db } from "@uas/db";
import { createTestDb } from "@uas/db/testing";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1, 12);
const OLD = NOW - (INBOX_RETENTION_DAYS + 1) * DAY;

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

type State = "received" | "enqueued" | "applied" | "failed";

async function store(rows: Array<{ id: string; state: State; receivedAt: number }>) {
  await db.insert(webhookInbox).values(
    rows.map((row) => ({
      sender: "integration:int_1",
      webhookId: row.id,
      organisationId: "org_1",
      receivedAt: row.receivedAt,
      payload: JSON.stringify({ type: "member.upserted", data: { first_name: "Private" } }),
      state: row.state,
      appliedAt: row.state === "applied" ? row.receivedAt + 1000 : null,
      error: row.state === "failed" ? "unknown sender" : null,
    })),
  );
}

const ids = async () => (await db.select({ id: webhookInbox.webhookId }).from(webhookInbox)).map((r) => r.id).sort();

describe("webhook inbox retention", () => {
  it("deletes applied rows past the retention period, oldest first, at most batchSize a step", async () => {
    await store([
      ...Array.from({ length: 8 }, (_, i) => ({
        id: `old-applied-${i}`,
        state: "applied" as const,
        receivedAt: OLD - i * 1000,
      })),
      { id: "recent-applied", state: "applied", receivedAt: NOW - DAY },
      { id: "old-failed", state: "failed", receivedAt: OLD - DAY },
      { id: "old-received", state: "received", receivedAt: OLD - DAY },
      { id: "old-enqueued", state: "enqueued", receivedAt: OLD - DAY },
    ]);

    expect(await pruneAppliedInboxRows({ db, now: NOW, batchSize: 3 })).toEqual({ deleted: 3, more: true });
    expect(await pruneAppliedInboxRows({ db, now: NOW, batchSize: 3 })).toEqual({ deleted: 3, more: true });
    // The oldest six went: received OLD - 2000 … OLD - 7000.
    expect(await ids()).toEqual([
      "old-applied-0",
      "old-applied-1",
      "old-enqueued",
      "old-failed",
      "old-received",
      "recent-applied",
    ]);

    expect(await pruneAppliedInboxRows({ db, now: NOW, batchSize: 3 })).toEqual({ deleted: 2, more: false });
    expect(await ids()).toEqual(["old-enqueued", "old-failed", "old-received", "recent-applied"]);
    expect((await pruneAppliedInboxRows({ db, now: NOW })).deleted).toBe(0);
  });

  it("keeps an applied row until the retention period has passed", async () => {
    await store([{ id: "edge", state: "applied", receivedAt: NOW - INBOX_RETENTION_DAYS * DAY + 1 }]);
    expect((await pruneAppliedInboxRows({ db, now: NOW })).deleted).toBe(0);
    expect((await pruneAppliedInboxRows({ db, now: NOW + 2 })).deleted).toBe(1);
  });

  it("finds what to delete through the (state, received_at) index, not by scanning the inbox", async () => {
    const plan = await db.all<{ detail: string }>(sql`EXPLAIN QUERY PLAN
      SELECT rowid FROM webhook_inbox WHERE state = 'applied' AND received_at < ${NOW} ORDER BY received_at LIMIT 500`);
    const details = plan.map((row) => row.detail).join(" | ");
    expect(details).toContain("USING COVERING INDEX webhook_inbox_state_idx");
    expect(details).not.toContain("TEMP B-TREE");
  });
});
