/**
 * `pnpm --filter @uas/db bench:users`: the User Access list at 100,000 users in one facility (plus a
 * neighbour's), on an embedded libSQL file: pages at the start, middle and end, searches by name,
 * email, external id and phone, and the state filters. Prints p50/p95 and writes .bench/users.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { listAccessUsers, type AccessUserFilter } from "../src/queries/users";
import { insertFacility } from "../src/queries/provisioning";
import { openBenchDb, seedFacility } from "./engine-child";

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const RUNS = 60;
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

const percentile = (values: number[], p: number) =>
  Math.round(([...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ?? 0) * 10) / 10;

async function time(runs: number, query: (i: number) => Promise<unknown>) {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await query(i);
    times.push(performance.now() - started);
  }
  return times;
}

const dir = mkdtempSync(join(tmpdir(), "uas-bench-users-"));
try {
  const { db } = await openBenchDb(dir);
  const { facility, integration, organisation } = await seedFacility(db);
  const neighbour = await insertFacility(db, { organisationId: organisation.id, name: "Other", timeZone: "Europe/London", countryCode: "GB" }, Date.now());
  // Set-based seeding: one recursive statement per facility, 1% switched off and 1% removed at source.
  const seed = (facilityId: string, count: number) =>
    db.run(sql`
      WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${count})
      INSERT INTO access_user (id, facility_id, source, integration_id, external_id, first_name, last_name, email, mobile_phone,
        access_enabled, removed_at_source_at, created_at, updated_at)
      SELECT ${facilityId} || '_' || i, ${facilityId}, 'integration', ${integration.id}, 'M-' || i, 'First' || (i % 5000),
        'Last' || (i % 997), 'person' || i || '@example.com', '+4479' || printf('%08d', i),
        CASE WHEN i % 100 = 7 THEN 0 ELSE 1 END, CASE WHEN i % 100 = 9 THEN 1 ELSE NULL END, 0, 0
      FROM n`);
  await seed(facility.id, USERS);
  await seed(neighbour.id, USERS / 10);

  const list = (filter: Omit<AccessUserFilter, "facilityId" | "now">, offset = 0) =>
    listAccessUsers(db, { facilityId: facility.id, now: Date.now(), ...filter }, { offset, limit: 50 });
  const pages = await time(RUNS, (i) => list({}, [0, USERS / 2, USERS - 50][i % 3]));
  const searches = [
    (i: number) => ({ text: `Last${(i * 37) % 997}`, phoneDigits: null }),
    (i: number) => ({ text: `person${(i * 7919) % USERS}@example.com`, phoneDigits: null }),
    (i: number) => ({ text: `M-${(i * 7919) % USERS}`, phoneDigits: null }),
    (i: number) => ({ text: "07900001234", phoneDigits: "7900001234" }),
  ];
  const search = await time(RUNS, (i) => list({ search: searches[i % searches.length]!(i) }));
  const states = await time(RUNS, (i) => list({ state: (["access_on", "disabled_by_admin", "removed_at_source"] as const)[i % 3] }));
  const result = {
    users: USERS,
    page_p50_ms: percentile(pages, 50),
    page_p95_ms: percentile(pages, 95),
    search_p50_ms: percentile(search, 50),
    search_p95_ms: percentile(search, 95),
    state_filter_p95_ms: percentile(states, 95),
  };
  console.log(`\nUser Access list, ${USERS.toLocaleString()} users (target: a page or a search ≤ 100 ms p95)`);
  console.table(result);
  mkdirSync(join(repoRoot, ".bench"), { recursive: true });
  writeFileSync(join(repoRoot, ".bench", "users.json"), JSON.stringify(result, null, 2) + "\n");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
