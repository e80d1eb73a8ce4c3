/**
 * Bulk delete benchmark: `cd packages/db && npx tsx bench/bulk-delete.bench.ts`.
 * An embedded libSQL file (WAL, synchronous=NORMAL, as the dev endpoint runs it) with 50,000
 * integration-synced users, each with a grant, an invitation and access log entries, beside rows that
 * must survive (manual, CCTV, a sibling facility). Times preview and confirm of "All integration-synced
 * users" and writes <repo root>/.bench/bulk-delete.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "libsql";
import { and, eq, isNull, sql } from "drizzle-orm";
import { createNodeDb, migrateDb } from "../src/node";
import { insertFacility, insertIntegration, insertOrganisation } from "../src/queries/provisioning";
import { updateSyncSettings } from "../src/queries/sync-settings";
import { deleteBulkScope, previewBulkDeleteScope } from "../src/queries/bulk-delete";
import { accessGrant, accessLogEntry, accessUser, invitation, syncSettings } from "../src/schema";

const USERS = 50_000;
const SIBLING_USERS = 10_000;
const MANUAL_USERS = 2_000;
const CCTV_USERS = 1_000;
const LOG_ENTRIES_PER_USER = 3;
const TARGET_DELETE_S = 5;
const NOW = Date.UTC(2026, 10, 24, 12);

type Kind = "integration" | "manual" | "cctv";

/** Native prepared statements in one transaction: seeding is not what is measured. */
function seed(
  file: string,
  plan: Array<{ facilityId: string; kind: Kind; integrationId: string | null; n: number; prefix: string }>,
) {
  const native = new Database(file);
  const user = native.prepare(
    `INSERT INTO access_user (id, facility_id, source, integration_id, external_id, first_name, last_name, email,
       custom_tags, notes, version, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, '["vip"]', 'note', ?, ?, ?)`,
  );
  const grant = native.prepare(
    "INSERT INTO access_grant (id, user_id, name, created_at) VALUES (?, ?, 'Front door', ?)",
  );
  const invite = native.prepare(
    "INSERT INTO invitation (user_id, facility_id, email, state, trigger, queued_at) VALUES (?, ?, ?, 'sent', 'auto', ?)",
  );
  const log = native.prepare(
    "INSERT INTO access_log_entry (facility_id, user_id, person_name, external_id, door, result, at) VALUES (?, ?, ?, ?, 'Main', 'granted', ?)",
  );
  native.exec("BEGIN");
  for (const group of plan) {
    for (let i = 0; i < group.n; i += 1) {
      const id = `${group.prefix}_${String(i).padStart(7, "0")}_${(i * 2654435761) % 1_000_003}`;
      const externalId = group.kind === "manual" ? null : `${group.prefix}-${i}`;
      const email = `${group.prefix}${i}@example.com`;
      user.run(
        id,
        group.facilityId,
        group.kind,
        group.integrationId,
        externalId,
        `First${i}`,
        `Last${i % 997}`,
        email,
        1 + (i % 3),
        NOW,
        NOW,
      );
      grant.run(`${id}_g`, id, NOW);
      invite.run(id, group.facilityId, email, NOW);
      for (let e = 0; e < LOG_ENTRIES_PER_USER; e += 1)
        log.run(group.facilityId, id, `First${i} Last${i % 997}`, externalId, NOW - e * 60_000);
    }
  }
  native.exec("COMMIT");
  native.close();
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "uas-bench-bulk-delete-"));
  try {
    const file = join(dir, "bulk-delete.db");
    const wal = new Database(file);
    wal.exec("PRAGMA journal_mode = WAL");
    wal.close();
    const setupDb = createNodeDb({ url: `file:${file}` });
    await migrateDb(setupDb);
    const organisation = await insertOrganisation(setupDb, { name: "Bench Org" }, NOW);
    const facility = await insertFacility(
      setupDb,
      { organisationId: organisation.id, name: "Bench Gym", timeZone: "Europe/London", countryCode: "GB" },
      NOW,
    );
    const sibling = await insertFacility(
      setupDb,
      { organisationId: organisation.id, name: "Sibling", timeZone: "Europe/London", countryCode: "GB" },
      NOW,
    );
    const partnerA = await insertIntegration(
      setupDb,
      {
        organisationId: organisation.id,
        name: "Partner A",
        baseUrl: "http://a.test",
        apiKey: "k",
        locations: { a: facility.id, s: sibling.id },
      },
      NOW,
    );
    const partnerB = await insertIntegration(
      setupDb,
      {
        organisationId: organisation.id,
        name: "Partner B",
        baseUrl: "http://b.test",
        apiKey: "k",
        locations: { b: facility.id },
      },
      NOW,
    );
    await updateSyncSettings(setupDb, facility.id, { integrationsEnabled: true }, NOW);
    setupDb.$client.close();

    const seedStarted = performance.now();
    seed(file, [
      { facilityId: facility.id, kind: "integration", integrationId: partnerA.id, n: USERS * 0.8, prefix: "ua" },
      { facilityId: facility.id, kind: "integration", integrationId: partnerB.id, n: USERS * 0.2, prefix: "ub" },
      { facilityId: facility.id, kind: "manual", integrationId: null, n: MANUAL_USERS, prefix: "um" },
      { facilityId: facility.id, kind: "cctv", integrationId: null, n: CCTV_USERS, prefix: "uc" },
      { facilityId: sibling.id, kind: "integration", integrationId: partnerA.id, n: SIBLING_USERS, prefix: "us" },
    ]);
    const seedS = (performance.now() - seedStarted) / 1000;

    const db = createNodeDb({ url: `file:${file}` });
    await db.run(sql`PRAGMA synchronous = NORMAL`);
    const logBefore = await db.$count(accessLogEntry);

    let started = performance.now();
    const preview = await previewBulkDeleteScope(db, facility.id, { kind: "all" });
    const previewS = (performance.now() - started) / 1000;
    started = performance.now();
    const integrationPreview = await previewBulkDeleteScope(db, facility.id, {
      kind: "integration",
      integrationId: partnerB.id,
    });
    const integrationPreviewS = (performance.now() - started) / 1000;

    started = performance.now();
    const { deleted } = await deleteBulkScope(db, {
      facilityId: facility.id,
      organisationId: organisation.id,
      scope: { kind: "all" },
      token: preview.token,
      alsoTurnOff: true,
      actorUserId: null,
      now: NOW,
    });
    const deleteS = (performance.now() - started) / 1000;

    // The figures only count if the delete did exactly what it should.
    const checks: Array<[string, number, number]> = [
      ["previewed", preview.count, USERS],
      ["integration B previewed", integrationPreview.count, USERS * 0.2],
      ["deleted", deleted, USERS],
      [
        "integration rows left",
        await db.$count(accessUser, and(eq(accessUser.facilityId, facility.id), eq(accessUser.source, "integration"))),
        0,
      ],
      [
        "manual + CCTV rows left",
        await db.$count(accessUser, eq(accessUser.facilityId, facility.id)),
        MANUAL_USERS + CCTV_USERS,
      ],
      ["sibling rows left", await db.$count(accessUser, eq(accessUser.facilityId, sibling.id)), SIBLING_USERS],
      ["grants left", await db.$count(accessGrant), MANUAL_USERS + CCTV_USERS + SIBLING_USERS],
      ["invitations left", await db.$count(invitation), MANUAL_USERS + CCTV_USERS + SIBLING_USERS],
      ["log entries kept", await db.$count(accessLogEntry), logBefore],
      [
        "log entries unlinked",
        await db.$count(accessLogEntry, isNull(accessLogEntry.userId)),
        USERS * LOG_ENTRIES_PER_USER,
      ],
      [
        "integrations source on",
        await db.$count(
          syncSettings,
          and(eq(syncSettings.facilityId, facility.id), eq(syncSettings.integrationsEnabled, true)),
        ),
        0,
      ],
    ];
    db.$client.close();
    for (const [name, actual, expected] of checks) {
      if (actual !== expected) throw new Error(`bench check failed: ${name} = ${actual}, expected ${expected}`);
    }

    const report = { users: USERS, preview_s: round(previewS), delete_s: round(deleteS) };
    const rows: Array<[string, string, string]> = [
      [
        "seed (not measured)",
        fmt(seedS),
        `${(USERS + SIBLING_USERS + MANUAL_USERS + CCTV_USERS).toLocaleString("en")} users, ${logBefore.toLocaleString("en")} log entries`,
      ],
      [
        "preview, all integrations",
        fmt(previewS),
        `${preview.count.toLocaleString("en")} users, sample ${preview.sample.length}`,
      ],
      ["preview, one integration", fmt(integrationPreviewS), `${integrationPreview.count.toLocaleString("en")} users`],
      [
        "confirm (recheck + delete)",
        fmt(deleteS),
        `≤ ${TARGET_DELETE_S} s ${deleteS <= TARGET_DELETE_S ? "✓" : "✗ over target"}`,
      ],
    ];
    const width = Math.max(...rows.map((row) => row[0].length));
    console.log(`\nBulk delete, ${USERS.toLocaleString("en")} integration-synced users, embedded libSQL file\n`);
    for (const [name, value, note] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(8)}  ${note}`);
    const root = fileURLToPath(new URL("../../../", import.meta.url));
    mkdirSync(join(root, ".bench"), { recursive: true });
    writeFileSync(join(root, ".bench/bulk-delete.json"), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${join(root, ".bench/bulk-delete.json")}`);
    if (deleteS > TARGET_DELETE_S) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

function fmt(seconds: number): string {
  return `${seconds.toFixed(2)} s`;
}

await main();
