/**
 * Faults (issue 8, part 3c): a database error injected at every statement of a pass, one at a time.
 * Whatever statement fails, the page it was in is rolled back whole, nobody is removed, the pass ends
 * failed (or, when the failure hits the step's own bookkeeping, the step throws and the pass stays
 * running for the queue to retry), and a retry ends exactly where a pass with no fault ends.
 */
import { describe, expect, it } from "vitest";
import { drizzle } from "drizzle-orm/libsql";
import { asc, eq, sql } from "drizzle-orm";
import type { Client, Transaction } from "@libsql/client";
import { accessUser, listPassActivity, schema, type Db } from "@uas/db";
import { advancePass, applySourceEvent, getPass, runFullPass, startPass, type SyncPassRow } from "../src";
import { createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { listingsOf, memoryListing } from "../src/testing";
import { jsonLiteral, sqlText } from "@uas/db";
import { T } from "./sync-helpers";

/**
 * Counts every call that reaches the database and fails the `failAt`-th, once: `before` it runs (the
 * statement never happens) or `after` it ran (its answer is lost: a commit that happened but looks failed).
 */
class FaultPlan {
  count = 0;
  fired = false;
  constructor(
    readonly failAt: number | null,
    readonly mode: "before" | "after" = "before",
  ) {}
  async run<T>(what: string, call: () => Promise<T>): Promise<T> {
    this.count += 1;
    const fire = this.failAt !== null && this.count === this.failAt && !this.fired;
    if (fire) this.fired = true;
    if (fire && this.mode === "before")
      throw new Error(`injected database fault at statement ${this.count} (${what}, before)`);
    const result = await call();
    if (fire) throw new Error(`injected database fault at statement ${this.count} (${what}, after)`);
    return result;
  }
}

const COUNTED = new Set(["execute", "batch", "executeMultiple", "migrate", "commit"]);

/** The same database behind a client whose statements (in transactions too, commits included) go through the plan. */
function faultyDb(db: Db, plan: FaultPlan): Db {
  const wrap = <O extends object>(object: O, prefix: string): O =>
    new Proxy(object, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== "function") return value;
        const fn = value as (...a: unknown[]) => unknown;
        if (prop === "transaction") {
          // A BEGIN whose answer is lost is a transaction nobody holds: it is closed (the server rolls it
          // back when the connection goes), or the in-memory client's single connection would stay taken.
          let opened: Transaction | undefined;
          return (...args: unknown[]) =>
            plan
              .run("transaction", async () => {
                opened = (await fn.apply(target, args)) as Transaction;
                return wrap(opened, "tx.");
              })
              .catch((error: unknown) => {
                opened?.close();
                throw error;
              });
        }
        if (COUNTED.has(String(prop))) {
          return (...args: unknown[]) => plan.run(`${prefix}${String(prop)}`, async () => fn.apply(target, args));
        }
        return fn.bind(target);
      },
    });
  return drizzle({ client: wrap(db.$client, "") as Client, schema }) as unknown as Db;
}

const PAGE_SIZE = 3;
const before = Array.from({ length: 12 }, (_, i) => member(`M-${String(i).padStart(2, "0")}`));
/** The second listing: two people gone, two changed, two new; removals only from a complete listing. */
const after = [
  ...before
    .filter((_, i) => i !== 3 && i !== 8)
    .map((m, i) => (i % 5 === 1 ? { ...m, last_name: "Changed", updated_at: "2026-11-24T10:00:00Z" } : m)),
  member("M-90"),
  member("M-91"),
];

type Scenario = { db: Db; facilityId: string; integrationId: string; listings: ReturnType<typeof listingsOf> };

async function scenario(): Promise<Scenario> {
  const db = await createTestDb();
  const { facility, integration } = await createSyncedFacility(db);
  const first = await runFullPass({
    db,
    passId: (await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T })).pass
      .id,
    listingFor: listingsOf({ [integration.id]: memoryListing(before, { pageSize: PAGE_SIZE }) }),
    now: T + 1,
  });
  expect(first.state).toBe("complete");
  return {
    db,
    facilityId: facility.id,
    integrationId: integration.id,
    listings: listingsOf({ [integration.id]: memoryListing(after, { pageSize: PAGE_SIZE }) }),
  };
}

/** What a person's row says, without write times and versions (which differ between runs). */
async function people(db: Db, facilityId: string) {
  const rows = await db
    .select()
    .from(accessUser)
    .where(eq(accessUser.facilityId, facilityId))
    .orderBy(asc(accessUser.externalId));
  return rows.map((r) => ({
    externalId: r.externalId,
    firstName: r.firstName,
    lastName: r.lastName,
    email: r.email,
    mobilePhone: r.mobilePhone,
    syncedTags: r.syncedTags,
    removed: r.removedAtSourceAt !== null,
    accessEnabled: r.accessEnabled,
  }));
}

/** One step per `maxPages`, as the queue runs them; a thrown step is what the queue retries. */
async function runSteps(db: Db, passId: string, listings: Scenario["listings"], now: number) {
  for (;;) {
    const result = await advancePass({ db, passId, listingFor: listings, maxPages: 2, now });
    if (result.status === "done") return result.pass;
  }
}

describe("a database error at any statement of a pass", () => {
  it("rolls the page back, removes nobody, fails the pass (or leaves it to the queue's retry), and a retry ends where a clean pass ends", async () => {
    // The clean run: where every faulty run must end after its retry, and how many statements a pass makes.
    const clean = await scenario();
    const counter = new FaultPlan(null);
    const { pass: cleanStart } = await startPass({
      db: clean.db,
      facilityId: clean.facilityId,
      source: "integration",
      trigger: "manual",
      now: T + 1000,
    });
    const cleanPass = await runSteps(faultyDb(clean.db, counter), cleanStart.id, clean.listings, T + 1001);
    expect(cleanPass).toMatchObject({ state: "complete", disabled: 2, added: 2 });
    const expected = await people(clean.db, clean.facilityId);
    const statements = counter.count;
    expect(statements).toBeGreaterThan(10);

    const outcomes: Record<string, number> = {};
    for (const mode of ["before", "after"] as const) {
      for (let failAt = 1; failAt <= statements; failAt++) {
        await oneFault(mode, failAt).catch((error: unknown) => {
          throw new Error(`fault ${mode} statement ${failAt} of ${statements}: ${causes(error)}`, { cause: error });
        });
      }
    }
    async function oneFault(mode: "before" | "after", failAt: number) {
      {
        const s = await scenario();
        const start = await people(s.db, s.facilityId);
        const { pass } = await startPass({
          db: s.db,
          facilityId: s.facilityId,
          source: "integration",
          trigger: "manual",
          now: T + 1000,
        });
        const plan = new FaultPlan(failAt, mode);
        let ended: SyncPassRow | undefined;
        let thrown: unknown;
        try {
          ended = await runSteps(faultyDb(s.db, plan), pass.id, s.listings, T + 1001);
        } catch (error) {
          thrown = error;
        }
        const where = `fault ${mode} statement ${failAt} of ${statements}`;
        expect(plan.fired, where).toBe(true);
        const now = (await getPass(s.db, pass.id))!;
        if (now.state !== "complete") await expectCommittedPagesOnly(s, now, start, where);
        if (thrown !== undefined) expect(causes(thrown), where).toContain("injected database fault");

        if (now.state === "running") {
          // The step could not run or record its failure: the queue redelivers it, and the redelivery resumes
          // from the last committed page and completes.
          expect(thrown, where).toBeDefined();
          const resumed = await runSteps(s.db, pass.id, s.listings, T + 2000);
          expect(resumed.state, where).toBe("complete");
          outcomes[`${mode}: step retried`] = (outcomes[`${mode}: step retried`] ?? 0) + 1;
        } else if (now.state === "failed") {
          if (thrown === undefined) expect(ended?.state, where).toBe("failed");
          expect(now.reason, where).toContain("injected database fault");
          expect(now.disabled, where).toBe(0);
          // A retry is the next pass: it completes, and removes who a complete listing lacks.
          const { pass: retry } = await startPass({
            db: s.db,
            facilityId: s.facilityId,
            source: "integration",
            trigger: "manual",
            now: T + 2000,
          });
          const done = await runFullPass({ db: s.db, passId: retry.id, listingFor: s.listings, now: T + 2001 });
          expect(done.state, where).toBe("complete");
          outcomes[`${mode}: pass failed, next pass`] = (outcomes[`${mode}: pass failed, next pass`] ?? 0) + 1;
        } else {
          // Only a lost answer after the work was done may end complete (e.g. the last read).
          expect(mode, where).toBe("after");
          expect(now.state, where).toBe("complete");
          outcomes[`${mode}: completed anyway`] = (outcomes[`${mode}: completed anyway`] ?? 0) + 1;
        }
        expect(await people(s.db, s.facilityId), where).toEqual(expected);
      }
    }
    console.log(`database faults: ${statements} statements, each failed once: ${JSON.stringify(outcomes)}`);
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(statements * 2);
  }, 120_000);
});

/**
 * Atomic pages: the records of the pages the pass committed are applied (one entry each), the rest of
 * the listing is untouched, and nobody is removed while the pass is not complete.
 */
async function expectCommittedPagesOnly(
  s: Scenario,
  pass: SyncPassRow,
  start: Awaited<ReturnType<typeof people>>,
  where: string,
) {
  const entries = await listPassActivity(s.db, pass.id);
  const committed = after.slice(0, pass.pagesDone * PAGE_SIZE).map((m) => m.external_id as string);
  expect(pass.recordsDone, where).toBe(committed.length);
  expect(entries.map((e) => e.externalId).sort(), where).toEqual([...committed].sort());
  const rows = await people(s.db, s.facilityId);
  expect(
    rows.filter((r) => r.removed),
    where,
  ).toEqual(start.filter((r) => r.removed));
  const startById = new Map(start.map((r) => [r.externalId, r]));
  for (const row of rows) {
    if (committed.includes(row.externalId ?? "")) continue;
    // Not in a committed page: exactly as before the pass (or absent, if new).
    expect(row, where).toEqual(startById.get(row.externalId));
  }
}

/** An error's message with its causes' (drizzle wraps the driver's error in "Failed query: …"). */
function causes(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.join(" ← ");
}

describe("text a source may send that SQL text cannot carry as is", () => {
  it("a NUL in a name, quotes or an unpaired surrogate: applied once, matched again, stored as valid UTF-8; a NUL in an id is refused", async () => {
    const db = await createTestDb();
    const { facility, integration } = await createSyncedFacility(db);
    const odd = [
      { external_id: "nul-id", first_name: "nul\u0000name" },
      {
        external_id: "lone\ud83did",
        first_name: "lone\udc00name",
        tags: ["\ud800"],
        location_ids: ["loc-1", "\udfff"],
      },
      { external_id: "quote'\"\\id", first_name: "'; DROP TABLE access_user; --" },
    ];
    for (const [i, fields] of odd.entries()) {
      const event = { type: "member.upserted", data: member(`X-${i}`, fields) };
      const first = await applySourceEvent({
        db,
        source: "integration",
        integrationId: integration.id,
        event,
        webhookId: `w-${i}`,
        now: T + i,
      });
      expect(first, JSON.stringify(fields)).toMatchObject({ status: "applied", entries: [{ outcome: "added" }] });
      // The same record again (a retry under another id) is the same person, unchanged.
      const again = await applySourceEvent({
        db,
        source: "integration",
        integrationId: integration.id,
        event,
        webhookId: `w-${i}-again`,
        now: T + 100 + i,
      });
      expect(again, JSON.stringify(fields)).toMatchObject({ status: "applied", entries: [{ outcome: "processed" }] });
    }
    // An id with a control character is refused, not cleaned: cleaning could make two people one.
    const refused = await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: { type: "member.upserted", data: member("X-nul", { external_id: "nul\u0000id" }) },
      webhookId: "w-nul-id",
      now: T + 500,
    });
    expect(refused).toMatchObject({ status: "invalid" });
    // Read in SQL, byte for byte: the embedded driver returns text only up to a NUL.
    const rows = await db.all<{ id: string; name: string; tags: string }>(
      sql`SELECT hex(external_id) AS id, hex(first_name) AS name, synced_tags AS tags FROM access_user WHERE facility_id = ${facility.id} ORDER BY external_id`,
    );
    const hex = (value: string) =>
      [...new TextEncoder().encode(value)]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("")
        .toUpperCase();
    expect(rows.map((r) => [r.id, r.name])).toEqual([
      [hex("lone\ufffdid"), hex("lone\ufffdname")],
      [hex("nul-id"), hex("nulname")],
      [hex("quote'\"\\id"), hex("'; DROP TABLE access_user; --")],
    ]);
    expect(JSON.parse(rows[0]!.tags)).toEqual(["\ufffd"]);
  });

  it("the store's SQL literals carry a NUL and an unpaired surrogate without ending the statement or storing bad UTF-8", async () => {
    const db = await createTestDb();
    const [row] = await db.all<{ n: number; same: number; tag: string }>(
      sql.raw(
        sqlText`SELECT length(CAST(${"a\u0000b'c"} AS BLOB)) AS n, ${"a\u0000b'c"} = 'a' || char(0) || 'b''c' AS same, ${jsonLiteral(["x\ud800"])} ->> 0 AS tag`
          .text,
      ),
    );
    expect(row).toEqual({ n: 5, same: 1, tag: "x\ufffd" });
  });
});
