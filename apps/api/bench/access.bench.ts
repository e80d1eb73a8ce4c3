/**
 * `npm run bench:access`: the door's `POST /v1/access/check` against the local stack (loopback only),
 * 100,000 users in one facility under access rules, at a fixed arrival rate (open loop: a slow answer
 * does not slow the arrivals). Mixes ids, emails and phones; checks every answer against the domain.
 * Writes .bench/access.json (check_p50_ms, check_p99_ms, checks_per_s).
 *
 * The floor: in the same run, at the same rate, the same people are asked of a bare Worker
 * (bench/floor/worker.ts, started the same way as the product's) that answers from one indexed read
 * through the same database endpoint. `check_p99_ratio_to_floor` is the product's p99 over the floor's:
 * what the product's check costs above the least a door answer needs, on whatever machine the bench runs.
 */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import http from "node:http";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { createNodeDb } from "@uas/db/node";
import { findDoorCandidates, getAccessRuleSet, saveAccessRuleSet, saveDoorApiKey } from "@uas/db";
import { decideAccess } from "@uas/domain";
import { startStack, demoDatabaseFile } from "@uas/devkit/stack";
import { percentile, startFloorWorker } from "./webhook-load";

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_SECONDS = 3;
const base = Number(process.env.BENCH_PORT_BASE ?? 7150);
const DAY = 86_400_000;

const dataDir = join(tmpdir(), `uas-bench-access-${process.pid}`);
const stack = await startStack({
  dataDir,
  fresh: true,
  ports: { web: base, api: base + 1, db: base + 2, partner: base + 3 },
  web: false,
  quiet: process.env.BENCH_VERBOSE !== "1",
  cron: false,
  // Measures the product, not wrangler's devtools relay (ADR 0009).
  inspector: false,
});
const db = createNodeDb({ url: `file:${demoDatabaseFile(dataDir)}` });
const floorPort = base + 4;
// A floor that does not come up leaves no stack behind.
const floor = await startFloorWorker({ stack, dataDir, port: floorPort, secret: "unused" }).catch(
  async (error: unknown) => {
    await stack.close();
    throw error;
  },
);
try {
  const step = (what: string) => console.error(`${new Date().toISOString()} ${what}`);
  step("stack and floor up");
  const facility = stack.facilities.find((f) => f.name === "Northside")!;
  const organisationId = stack.organisationId;
  const now = Date.now();
  // Set-based seeding: statuses, types, tags, switches, removals, graces and paid-until dates in proportion.
  await db.run(sql`
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${USERS})
    INSERT INTO access_user (id, facility_id, source, external_id, first_name, last_name, email, mobile_phone, person_type,
      membership_status, synced_tags, access_enabled, removed_at_source_at, grace_until, grace_status, paid_until, rules_matched,
      created_at, updated_at)
    SELECT 'usr_bench_' || i, ${facility.id}, 'integration', 'B-' || i, 'Door', 'Person ' || i, 'door' || i || '@example.com',
      '+4479' || printf('%08d', i), CASE WHEN i % 10 = 0 THEN 'staff' ELSE 'member' END,
      CASE i % 7 WHEN 0 THEN 'expired' WHEN 1 THEN 'on_hold' WHEN 2 THEN 'Current' ELSE 'active' END,
      CASE WHEN i % 13 = 0 THEN '["vip"]' ELSE '[]' END,
      CASE WHEN i % 100 = 7 THEN 0 ELSE 1 END, CASE WHEN i % 100 = 9 THEN ${now} END,
      CASE WHEN i % 7 = 0 AND i % 3 = 0 THEN ${now + 3 * DAY} END, CASE WHEN i % 7 = 0 AND i % 3 = 0 THEN 'expired' END,
      CASE WHEN i % 11 = 0 THEN ${now} + (i % 5 - 2) * ${DAY} END, CASE WHEN i % 7 IN (0, 1) THEN 0 ELSE 1 END, 0, 0
    FROM n`);
  await db.run(sql`INSERT INTO access_grant (id, user_id, name, created_at)
    SELECT 'grt_bench_' || rowid, id, 'Staff', 0 FROM access_user WHERE facility_id = ${facility.id} AND id LIKE 'usr_bench_%' AND rowid % 50 = 0`);
  await saveAccessRuleSet(db, {
    organisationId,
    facilityId: facility.id,
    ruleSet: {
      rules: [
        { kind: "person_type", personType: "member", statuses: ["active", "Current"] },
        { kind: "person_type", personType: "staff", statuses: [] },
        { kind: "tags", tags: ["vip"] },
      ],
      graceDays: 7,
    },
    actorUserId: null,
    now,
    effect: { lose: 0, gain: 0 },
  });
  const key = `uasd_bench_${createHash("sha256").update(String(process.pid)).digest("hex").slice(0, 32)}`;
  await saveDoorApiKey(db, {
    facilityId: facility.id,
    keyHash: createHash("sha256").update(key).digest("hex"),
    keyPrefix: key.slice(0, 11),
    createdBy: null,
    now,
  });
  await db.run(sql`ANALYZE`);
  step("seeded");

  // The questions, decided beforehand by the domain so every answer can be checked.
  const ruleSet = await getAccessRuleSet(db, facility.id);
  const total = RATE * (SECONDS + WARMUP_SECONDS);
  const questions = await Promise.all(
    Array.from({ length: total }, async (_, n) => {
      const i = (n * 7919) % USERS;
      const body =
        n % 10 === 8
          ? { facilityId: facility.id, email: `door${i}@example.com` }
          : n % 10 === 9
            ? { facilityId: facility.id, phone: `079${String(i).padStart(8, "0")}` }
            : { facilityId: facility.id, userId: `usr_bench_${i}` };
      return {
        body: JSON.stringify(body),
        floorBody: JSON.stringify({ facilityId: facility.id, userId: `usr_bench_${i}` }),
        userId: `usr_bench_${i}`,
      };
    }),
  );
  const expected = new Map<string, boolean>();
  for (const q of questions.slice(0, 2000)) {
    const [row] = await findDoorCandidates(db, {
      facilityId: facility.id,
      identifier: { userId: q.userId },
      now: Date.now(),
    });
    expected.set(q.userId, decideAccess(ruleSet, row!, Date.now()).allowed);
  }

  /** The questions at RATE per second (open loop), the first WARMUP_SECONDS' answers not counted. */
  const runLoad = async (url: string, bodyOf: (q: (typeof questions)[number]) => string) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const post = (body: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = http.request(
          url,
          {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              authorization: `Bearer ${key}`,
              "content-length": String(Buffer.byteLength(body)),
            },
          },
          (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
            res.on("error", reject);
          },
        );
        request.on("error", reject);
        request.end(body);
      });
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let wrong = 0;
    let allowed = 0;
    /** The first few answers other than 200, to say where they came from (their body names it; 0: no answer). */
    const refusals: Array<{ status: number; at_s: number; took_ms: number; body: string }> = [];
    const warmup = RATE * WARMUP_SECONDS;
    const started = performance.now();
    const inFlight: Array<Promise<void>> = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const q = questions[n]!;
      inFlight.push(
        (async () => {
          const sent = performance.now();
          // A dropped connection is an answer too (status 0), counted rather than ending the run.
          const res = await post(bodyOf(q)).catch((error: Error) => ({ status: 0, text: String(error.message) }));
          const took = performance.now() - sent;
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status !== 200 && refusals.length < 5)
            refusals.push({
              status: res.status,
              at_s: Number(((sent - started) / 1000).toFixed(1)),
              took_ms: Math.round(took),
              body: res.text.slice(0, 160),
            });
          if (n < warmup) return;
          latencies.push(took);
          if (res.status === 200) {
            const answer = JSON.parse(res.text) as { allowed: boolean };
            if (answer.allowed) allowed += 1;
            const want = expected.get(q.userId);
            if (want !== undefined && want !== answer.allowed) wrong += 1;
          }
        })(),
      );
    }
    await Promise.all(inFlight);
    const measuredSeconds = (performance.now() - started) / 1000 - WARMUP_SECONDS;
    agent.destroy();
    return { latencies, statuses, wrong, allowed, measuredSeconds, refusals };
  };

  step("questions decided");
  // The floor first, so its load never overlaps the product's.
  const floorRun = await runLoad(`http://127.0.0.1:${floorPort}/v1/access/check`, (q) => q.floorBody);
  step("floor measured");
  const { latencies, statuses, wrong, allowed, measuredSeconds, refusals } = await runLoad(
    `${stack.apiUrl}/v1/access/check`,
    (q) => q.body,
  );
  step("floor and product measured");
  const floorSorted = [...floorRun.latencies].sort((a, b) => a - b);
  const floorP99 = Number(percentile(floorSorted, 99).toFixed(1));

  const sorted = [...latencies].sort((a, b) => a - b);
  const result = {
    users: USERS,
    checks: latencies.length,
    check_p50_ms: Number(percentile(sorted, 50).toFixed(1)),
    check_p99_ms: Number(percentile(sorted, 99).toFixed(1)),
    checks_per_s: Math.round(latencies.length / measuredSeconds),
    target_rate_per_s: RATE,
    allowed_share: Number((allowed / Math.max(1, latencies.length)).toFixed(3)),
    wrong_answers: wrong,
    floor_check_p50_ms: Number(percentile(floorSorted, 50).toFixed(1)),
    floor_check_p99_ms: floorP99,
    floor_checks_per_s: Math.round(floorRun.latencies.length / floorRun.measuredSeconds),
    floor_wrong_answers: floorRun.wrong,
    check_p99_ratio_to_floor: Number((percentile(sorted, 99) / Math.max(floorP99, 0.1)).toFixed(2)),
    check_p50_ratio_to_floor: Number((percentile(sorted, 50) / Math.max(percentile(floorSorted, 50), 0.1)).toFixed(2)),
    load_average_1m: Number((loadavg()[0] ?? 0).toFixed(1)),
  };
  console.log(
    `\nDoor checks: ${USERS.toLocaleString()} users, ${RATE}/s for ${SECONDS} s (after ${WARMUP_SECONDS} s warm-up)`,
  );
  console.table({
    ...result,
    statuses: JSON.stringify(Object.fromEntries(statuses)),
    floor_statuses: JSON.stringify(Object.fromEntries(floorRun.statuses)),
  });
  for (const refusal of [...floorRun.refusals, ...refusals]) console.log("not 200:", JSON.stringify(refusal));
  mkdirSync(join(repoRoot, ".bench"), { recursive: true });
  writeFileSync(join(repoRoot, ".bench", "access.json"), `${JSON.stringify(result, null, 2)}\n`);
  const ok =
    wrong === 0 &&
    result.check_p99_ms <= 20 &&
    result.checks_per_s >= RATE * 0.95 &&
    statuses.size === 1 &&
    statuses.has(200);
  console.log(ok ? "targets met (p99 ≤ 20 ms at 200 checks/s, every answer right)" : "TARGETS MISSED");
  if (!ok) process.exitCode = 1;
} finally {
  db.$client.close();
  await floor.stop();
  await stack.close();
}
