/**
 * `pnpm --filter @uas/db bench:import`: "Import (CSV)" of 10,000 lines into a facility that already holds
 * 20,000 users (manual and synced), on an embedded libSQL file: the preview (read the file, match it),
 * then the confirm (read and match again under the write lock, write in one transaction), as the Worker
 * does them. 3,000 lines update manual users, 500 name synced users (left alone), the rest are new.
 * Writes .bench/import.json: `rows`, `seconds` (preview + confirm), and each step's share.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { IMPORT_COLUMNS, parseUserImport } from "@uas/domain";
import { applyUserImport, planUserImport } from "../src/queries/user-import";
import { openBenchDb, seedFacility } from "./bench-db";

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 10_000);
const EXISTING = 20_000;
const TARGET_SECONDS = 5;
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

const dir = mkdtempSync(join(tmpdir(), "uas-bench-import-"));
try {
  const { db } = await openBenchDb(dir);
  const { facility, integration, organisation } = await seedFacility(db);
  // Existing users: even ones manual (person<i>@example.com), odd ones synced from the integration.
  await db.run(sql`
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${EXISTING})
    INSERT INTO access_user (id, facility_id, source, integration_id, external_id, first_name, last_name, email, mobile_phone, created_at, updated_at)
    SELECT 'usr_' || i, ${facility.id}, CASE WHEN i % 2 = 0 THEN 'manual' ELSE 'integration' END,
      CASE WHEN i % 2 = 1 THEN ${integration.id} END, CASE WHEN i % 2 = 1 THEN 'M-' || i END,
      'First' || i, 'Last' || i, 'person' || i || '@example.com', '+4479' || printf('%08d', i), 0, 0
    FROM n`);

  const line = (i: number) => {
    if (i < 3000) return `First${i * 2},Renamed${i},person${i * 2}@example.com,,Member,Active,Imported`;
    if (i < 3500) return `First${i * 2 + 1},Synced${i},person${i * 2 + 1}@example.com,,,,`;
    return `New${i},Person${i},new${i}@example.com,07700 ${String(900000 + (i % 100000)).padStart(6, "0")},Member,Active,Pool; Gym`;
  };
  const csv = [IMPORT_COLUMNS.map((c) => c.header).join(","), ...Array.from({ length: ROWS }, (_, i) => line(i))].join(
    "\r\n",
  );

  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const parsed = parseUserImport(csv, "GB");
  if (!parsed.ok) throw new Error(parsed.error);
  const parsedAt = performance.now();
  const parseCpu = process.cpuUsage(cpuStart);
  const preview = await planUserImport(db, facility.id, parsed.people);
  const previewedAt = performance.now();
  const previewCpu = process.cpuUsage(cpuStart);
  // The confirm reads the file again: the Worker keeps nothing between the two requests.
  const again = parseUserImport(csv, "GB");
  if (!again.ok) throw new Error(again.error);
  const result = await applyUserImport(db, {
    organisationId: organisation.id,
    facilityId: facility.id,
    people: again.people,
    fingerprint: preview.fingerprint,
    actorUserId: null,
    now: Date.now(),
  });
  const done = performance.now();
  const cpu = process.cpuUsage(cpuStart);
  const seconds = Math.round((done - started) / 10) / 100;
  const figures = {
    rows: ROWS,
    seconds,
    added: result.added,
    updated: result.updated,
    kept_synced: preview.keptSynced.length,
    rejected: parsed.rejected.length + preview.rejected.length,
    parse_seconds: Math.round((parsedAt - started) / 10) / 100,
    preview_seconds: Math.round((previewedAt - started) / 10) / 100,
    confirm_seconds: Math.round((done - previewedAt) / 10) / 100,
    // This process's CPU time (parsing, matching and SQLite run in it): the figure a busy machine does not inflate.
    cpu_seconds: Math.round((cpu.user + cpu.system) / 10_000) / 100,
    parse_cpu_seconds: Math.round((parseCpu.user + parseCpu.system) / 10_000) / 100,
    preview_cpu_seconds: Math.round((previewCpu.user + previewCpu.system) / 10_000) / 100,
    load_average_1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
  console.log(
    `\nImport (CSV), ${ROWS.toLocaleString()} lines into ${EXISTING.toLocaleString()} users (target: ≤ ${TARGET_SECONDS} s)`,
  );
  console.table(figures);
  mkdirSync(join(repoRoot, ".bench"), { recursive: true });
  writeFileSync(join(repoRoot, ".bench", "import.json"), `${JSON.stringify(figures, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
