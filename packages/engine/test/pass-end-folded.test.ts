import { beforeEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import type { Db } from "@uas/db";
import { advancePass, applySourceEvent, getPass, loadStepOpening, type StepOpening } from "../src";
import { listingsOf, memoryListing } from "../src/testing";
import { createTestDb, member } from "@uas/db/testing";
import { T, entriesOf, members, removedIds, syncedThenSecondPass } from "./sync-helpers";
import { watched } from "./watched-client";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

const secondPass = (count: number) => syncedThenSecondPass(db, count);

/** One step reading the whole listing (two pages) to its end, from `opening` (as a queue message read it). */
function step(
  client: Db,
  input: { integrationId: string; records: unknown[]; opening?: StepOpening; passId: string; now: number },
) {
  return advancePass({
    db: client,
    passId: input.passId,
    ...(input.opening ? { opening: input.opening } : {}),
    listingFor: listingsOf({ [input.integrationId]: memoryListing(input.records, { pageSize: 10 }) }),
    maxPages: 5,
    now: input.now,
  });
}

describe("the pass end is written in the last page's transaction", () => {
  it("a step that reads the listing to its end writes its pages and the pass end in one write transaction", async () => {
    const { facility, integration, pass } = await secondPass(20);
    const { db: client, seen } = watched(db);
    const result = await step(client, {
      integrationId: integration.id,
      records: members(20).slice(0, 18),
      passId: pass.id,
      now: T + 2000,
    });
    expect(seen.transactions).toBe(1);
    expect(result.status).toBe("done");
    expect(result.pass).toMatchObject({
      state: "complete",
      disabled: 2,
      recordsDone: 18,
      pagesDone: 2,
      endedAt: T + 2000,
    });
    expect(await getPass(db, pass.id)).toEqual(result.pass);
    expect(await removedIds(db, facility.id)).toEqual(["M-018", "M-019"]);
  });

  it("writes the pass row's counts and cursor once a step, however many pages the step applies", async () => {
    // Every UPDATE of a pass row is a row written (billed per row on Turso): count them by trigger.
    const passRowWrites = async (pages: number) => {
      const { integration, pass } = await secondPass(10 * pages);
      await db.run(sql`CREATE TABLE IF NOT EXISTS pass_row_writes (pass_id TEXT)`);
      await db.run(sql`CREATE TRIGGER IF NOT EXISTS count_pass_row_writes AFTER UPDATE ON sync_pass
        BEGIN INSERT INTO pass_row_writes VALUES (new.id); END`);
      const result = await step(db, {
        integrationId: integration.id,
        records: members(10 * pages),
        passId: pass.id,
        now: T + 2000,
      });
      expect(result.pass).toMatchObject({
        state: "complete",
        pagesDone: pages,
        recordsDone: 10 * pages,
        processed: 10 * pages,
      });
      const [row] = await db.all<{ n: number }>(
        sql`SELECT count(*) AS n FROM pass_row_writes WHERE pass_id = ${pass.id}`,
      );
      return row?.n;
    };
    const onePage = await passRowWrites(1);
    expect(onePage).toBeGreaterThan(0);
    expect(await passRowWrites(5)).toBe(onePage);
  });

  it("holds the brakes: a listing that would disable too many holds the pass and disables nobody", async () => {
    const { facility, integration, pass } = await secondPass(40);
    const { db: client, seen } = watched(db);
    const result = await step(client, {
      integrationId: integration.id,
      records: members(40).slice(0, 30),
      passId: pass.id,
      now: T + 2000,
    });
    expect(seen.transactions).toBe(1);
    const stored = await getPass(db, pass.id);
    expect(stored).toMatchObject({ state: "held", heldCount: 10, disabled: 0, endedAt: T + 2000 });
    expect(stored?.heldSample).toHaveLength(10);
    expect((stored?.progress as { heldAt?: number }).heldAt).toBe(T + 2000);
    expect(result.pass).toEqual(stored);
    expect(await removedIds(db, facility.id)).toEqual([]);
    expect((await entriesOf(db, pass.id)).filter((e) => e.outcome === "disabled")).toHaveLength(0);
  });

  it("holds the source-anomaly brake: an empty listing removes nobody", async () => {
    const { facility, integration, pass } = await secondPass(20);
    const result = await step(db, { integrationId: integration.id, records: [], passId: pass.id, now: T + 2000 });
    expect(result.pass.state).toBe("held");
    expect(await removedIds(db, facility.id)).toEqual([]);
  });

  it("a row a webhook touched since the pass started is not removed", async () => {
    const { facility, integration, pass } = await secondPass(20);
    await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: {
        type: "member.upserted",
        data: member("M-019", { updated_at: "2026-11-25T00:00:00Z", last_name: "Webhook" }),
      },
      webhookId: "wh-1",
      now: T + 1500,
    });
    const result = await step(db, {
      integrationId: integration.id,
      records: members(20).slice(0, 18),
      passId: pass.id,
      now: T + 2000,
    });
    expect(result.pass).toMatchObject({ state: "complete", disabled: 1 });
    expect(await removedIds(db, facility.id)).toEqual(["M-018"]);
  });

  it("a duplicate of the last step (both read before either wrote) applies the pages and the end once", async () => {
    const { facility, integration, pass } = await secondPass(20);
    const opening = await loadStepOpening(db, pass.id);
    const records = members(20).slice(0, 18);
    const first = await step(db, { integrationId: integration.id, records, opening, passId: pass.id, now: T + 2000 });
    const again = await step(db, { integrationId: integration.id, records, opening, passId: pass.id, now: T + 3000 });
    expect(first.pass).toMatchObject({ state: "complete", disabled: 2, recordsDone: 18, pagesDone: 2 });
    expect(again.status).toBe("done");
    expect(await getPass(db, pass.id)).toEqual(first.pass);
    expect(await removedIds(db, facility.id)).toEqual(["M-018", "M-019"]);
    const entries = await entriesOf(db, pass.id);
    expect(entries.filter((e) => e.outcome === "disabled").map((e) => e.externalId)).toEqual(["M-018", "M-019"]);
    expect(entries.filter((e) => e.outcome === "processed")).toHaveLength(18);
  });

  it("a step whose pages do not reach the end leaves the pass running, and the next one ends it", async () => {
    const { facility, integration, pass } = await secondPass(20);
    const listingFor = listingsOf({ [integration.id]: memoryListing(members(20).slice(0, 18), { pageSize: 10 }) });
    const first = await advancePass({ db, passId: pass.id, listingFor, maxPages: 1, now: T + 2000 });
    expect(first).toMatchObject({ status: "continue", pass: { state: "running", pagesDone: 1 } });
    const { db: client, seen } = watched(db);
    const last = await advancePass({ db: client, passId: pass.id, listingFor, maxPages: 1, now: T + 3000 });
    expect(seen.transactions).toBe(1);
    expect(last.pass).toMatchObject({ state: "complete", disabled: 2, pagesDone: 2, recordsDone: 18 });
    expect(await removedIds(db, facility.id)).toEqual(["M-018", "M-019"]);
  });
});
