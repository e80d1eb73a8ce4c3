import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "libsql";
import { openBenchDb, seedFacility } from "@uas/db/bench";
import { runFullPass, startPass } from "../src";
import { benchMember, generatedListing, type Generation } from "./fixtures";
import { runActivityBench } from "./activity-bench";

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function passes(size: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "uas-bench-"));
  try {
    const { db } = await openBenchDb(dir);
    const { facility } = await seedFacility(db);
    const result: Record<string, number> = {};
    const expected: Record<Generation, Partial<Record<string, number>>> = {
      first: { added: size },
      unchanged: { processed: size },
      changed: { updated: size / 10, disabled: size / 100 },
    };
    for (const generation of ["first", "unchanged", "changed"] as const) {
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      const { pass } = await startPass({
        db,
        facilityId: facility.id,
        source: "integration",
        trigger: "manual",
        now: Date.now(),
      });
      const done = await runFullPass({
        db,
        passId: pass.id,
        listingFor: () => generatedListing(size, generation),
        now: () => Date.now(),
        maxPages: 1000,
      });
      result[generation] = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      result[`${generation}Cpu`] = (cpu.user + cpu.system) / 1e6;
      for (const [outcome, count] of Object.entries(expected[generation])) {
        const actual = done[outcome as "added"];
        if (done.state !== "complete" || actual !== count) {
          throw new Error(
            `${generation} pass: ${done.state}, ${outcome} ${actual} (expected ${count}); ${done.reason ?? ""}`,
          );
        }
      }
    }
    return { ...result, peakRssMb: peakRssMb() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The physical floor: the same rows, one native prepared upsert, one transaction. */
async function rawUpsert(size: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "uas-bench-"));
  try {
    const { db, file } = await openBenchDb(dir);
    const { facility, integration } = await seedFacility(db);
    db.$client.close();
    const native = new Database(file);
    native.exec("PRAGMA synchronous = NORMAL");
    const upsert = native.prepare(`
      INSERT INTO access_user (id, facility_id, source, integration_id, external_id, first_name, last_name, email,
        mobile_phone, person_type, membership_status, synced_tags, last_synced_at, source_updated_at, created_at, updated_at)
      VALUES (?, ?, 'integration', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (facility_id, source, integration_key, external_id) DO UPDATE SET
        first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
        mobile_phone = excluded.mobile_phone, person_type = excluded.person_type,
        membership_status = excluded.membership_status, synced_tags = excluded.synced_tags,
        last_synced_at = excluded.last_synced_at, source_updated_at = excluded.source_updated_at,
        updated_at = excluded.updated_at`);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    native.exec("BEGIN");
    for (let i = 0; i < size; i += 1) {
      const m = benchMember(i, "first") as Record<string, string | string[]>;
      const now = Date.now();
      upsert.run([
        `usr_${i}`,
        facility.id,
        integration.id,
        m.external_id,
        m.first_name,
        m.last_name,
        m.email,
        m.mobile_phone,
        m.person_type,
        m.membership_status,
        JSON.stringify(m.tags),
        now,
        Date.parse(m.updated_at as string),
        now,
        now,
      ]);
    }
    native.exec("COMMIT");
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    native.close();
    return { seconds, cpu: (cpu.user + cpu.system) / 1e6, peakRssMb: peakRssMb() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runChild(mode: string, size: number): Promise<Record<string, number>> {
  if (mode === "raw") return rawUpsert(size);
  if (mode === "passes") return passes(size);
  if (mode === "activity") return runActivityBench(size);
  throw new Error(`unknown bench mode ${mode}`);
}
