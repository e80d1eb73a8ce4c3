import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AppliedOutcome } from "@uas/domain";
import { listActivity } from "@uas/db";
import { entryStatements, type EntryToWrite } from "../src/activity-store";
import { withWriteTransaction } from "../src/store-handle";
import { insertFacility } from "@uas/db";
import { openBenchDb, seedFacility } from "@uas/db/bench";

const PEOPLE = 100_000;
const PASSES = 10;
const BATCH = 5000;

function outcomeOf(n: number): AppliedOutcome {
  const r = n % 100;
  if (r < 85) return "processed";
  if (r < 90) return "added";
  if (r < 95) return "updated";
  if (r < 99) return "skipped";
  return "disabled";
}

const REASONS: Partial<Record<AppliedOutcome, string>> = {
  skipped: "No phone or email on the record (a phone or email is required to log in)",
  disabled: "No longer in the source's listing for this facility",
};

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 10) / 10;
}

async function time(runs: number, query: (i: number) => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await query(i);
    times.push(performance.now() - started);
  }
  return times;
}

/** Activity list and search latency with `size` entries: 90% in the measured facility, the rest in a neighbour. */
export async function runActivityBench(size: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "uas-bench-"));
  try {
    const { db } = await openBenchDb(dir);
    const { facility, integration, organisation } = await seedFacility(db);
    const neighbour = await insertFacility(
      db,
      { organisationId: organisation.id, name: "Other", timeZone: "Europe/London", countryCode: "GB" },
      Date.now(),
    );
    const passIds = Array.from({ length: PASSES }, (_, i) => `pas_${String(i).padStart(32, "0")}`);
    const loadStarted = performance.now();
    for (let start = 0; start < size; start += BATCH) {
      const entries: EntryToWrite[] = [];
      for (let n = start; n < Math.min(size, start + BATCH); n += 1) {
        const person = n % PEOPLE;
        const outcome = outcomeOf(n);
        entries.push({
          facilityId: n % 10 === 9 ? neighbour.id : facility.id,
          externalId: `M-${person}`,
          name: `First${person % 5000} Last${person % 997}`,
          outcome,
          reason: REASONS[outcome] ?? null,
          changes: outcome === "updated" ? [{ field: "lastName", from: "A", to: "B" }] : null,
          userId: `usr_${person.toString(16).padStart(32, "0")}`,
        });
      }
      const passId = passIds[Math.floor((start / size) * PASSES)] ?? null;
      const origin = {
        organisationId: organisation.id,
        source: "integration" as const,
        integrationId: integration.id,
        passId,
        webhookId: null,
        at: Date.now(),
      };
      await withWriteTransaction(db, (tx) => tx.script(entryStatements(origin, entries)));
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;

    const maxId = size;
    const page = await time(200, (i) =>
      listActivity(db, {
        facilityId: facility.id,
        limit: 50,
        before: i % 4 === 0 ? null : Math.floor((((i * 7919) % 1000) / 1000) * maxId),
      }),
    );
    const filtered = await time(100, (i) =>
      listActivity(db, {
        facilityId: facility.id,
        limit: 50,
        outcome: i % 2 === 0 ? "disabled" : "skipped",
        before: i % 3 === 0 ? null : Math.floor(maxId / (1 + (i % 5))),
      }),
    );
    const searches = [
      (i: number) => `First${(i * 37) % 5000} Last${(i * 37) % 997}`,
      (i: number) => `M-${(i * 7919) % PEOPLE}`,
      (i: number) => `usr_${((i * 7919) % PEOPLE).toString(16).padStart(32, "0")}`,
      (i: number) => (i % 2 === 0 ? "phone or email" : "listing"),
      (i: number) => passIds[i % PASSES] ?? "",
      (i: number) => `Last${i % 997}`,
      () => "First1",
    ];
    const search = await time(210, (i) =>
      listActivity(db, {
        facilityId: facility.id,
        limit: 50,
        search: (searches[i % searches.length] as (i: number) => string)(i),
      }),
    );
    return {
      entries: size,
      loadSeconds: Math.round(loadSeconds * 10) / 10,
      pageP50Ms: percentile(page, 50),
      pageP95Ms: percentile(page, 95),
      outcomeFilterP95Ms: percentile(filtered, 95),
      searchP50Ms: percentile(search, 50),
      searchP95Ms: percentile(search, 95),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
