/**
 * `pnpm bench:webhooks`: signed webhooks against the local stack (loopback only, bounded in count
 * and time). Measures accept latency, throughput, the drain until every accepted event is applied,
 * and proves none was lost or applied twice. Writes .bench/webhooks.json.
 *
 * The floor: in the same run, the same deliveries at the same concurrency go first to a bare Worker
 * (bench/floor/worker.ts, started the same way as the product's) that verifies the same signature and
 * durably inserts one row through the same database endpoint. Both Workers are up during both phases,
 * so the machine runs the same processes; the floor goes first so its load never overlaps the product's
 * drain (the floor and the load generator: bench/webhook-load.ts). `accept_p99_ratio_to_floor` is the product's accept p99 over the floor's: what the product
 * costs above the least an honest 202 needs, on whatever machine the bench runs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { sql } from "drizzle-orm";
import { createNodeDb } from "@uas/db/node";
import { updateSyncSettings } from "@uas/db";
import { startStack, repoRoot, demoDatabaseFile } from "@uas/devkit/stack";
import { type Delivery, percentile, runLoad, startFloor } from "./webhook-load";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const DUPLICATE_SHARE = 0.05;
const DRAIN_TIMEOUT_MS = 120_000;
const base = Number(process.env.BENCH_PORT_BASE ?? 7100);

const dataDir = join(tmpdir(), `uas-bench-webhooks-${process.pid}`);
const stack = await startStack({
  dataDir,
  fresh: true,
  ports: { web: base, api: base + 1, db: base + 2, partner: base + 3 },
  web: false,
  quiet: process.env.BENCH_VERBOSE !== "1",
  cron: false,
  vars: { WEBHOOK_RATE_LIMIT: "off" },
  // Measures the product, not wrangler's devtools relay (see apps/api/scripts/serve-without-inspector.mjs).
  inspector: false,
});
const db = createNodeDb({ url: `file:${demoDatabaseFile(dataDir)}` });
const integration = stack.integrations.find((i) => i.system === "partner-api")!;
const floor = await startFloor({
  stack,
  db,
  dataDir,
  port: base + 4,
  secret: integration.webhookSecret,
}).catch(async (error: unknown) => {
  db.$client.close();
  await stack.close();
  throw error;
});

try {
  const facility = stack.facilities.find((f) => f.name === "Northside")!;
  await updateSyncSettings(db, facility.id, { integrationsEnabled: true }, Date.now());
  const url = `${stack.apiUrl}/webhooks/integrations/${integration.id}`;
  const floorUrl = floor.url(integration.id);
  const signer = new Webhook(integration.webhookSecret);

  const deliveries: Array<{ id: string; body: string }> = Array.from({ length: EVENTS }, (_, i) => ({
    id: `bench-${i}`,
    body: JSON.stringify({
      type: "member.upserted",
      data: {
        external_id: `B-${i}`,
        first_name: "Bench",
        last_name: `Member ${i}`,
        email: `bench.${i}@example.com`,
        mobile_phone: null,
        person_type: "member",
        membership_status: "active",
        tags: ["bench"],
        location_ids: ["loc-north"],
        updated_at: new Date(Date.UTC(2026, 10, 24, 12, 0, 0) + i).toISOString(),
      },
    }),
  }));
  // A share delivered twice with the same webhook-id: must be answered "duplicate" and applied once.
  const duplicates = deliveries.filter((_, i) => i % Math.round(1 / DUPLICATE_SHARE) === 0);
  const queue = [...deliveries, ...duplicates];

  // Signed beforehand by the harness (well within the 5-minute tolerance); a retry is signed again.
  const load: Delivery[] = queue.map(({ id, body }) => ({
    body,
    sign: () => {
      const timestamp = new Date();
      return {
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
        "webhook-signature": signer.sign(id, timestamp, body),
      };
    },
  }));

  const floorRun = await runLoad(floorUrl, load, CONCURRENCY);
  const [floorRows] = await db.all<{ n: number }>(
    sql`SELECT count(*) AS n FROM bench_floor_inbox WHERE webhook_id LIKE 'bench-%'`,
  );
  const { sorted, statuses, senderRetries, seconds: acceptSeconds } = await runLoad(url, load, CONCURRENCY);
  const lastAccept = performance.now();

  // Every distinct event was answered 202 (a retried one may be answered "duplicate" when its first
  // attempt was stored but never answered), so all EVENTS must end up applied.
  const accepted = EVENTS;
  let applied = 0;
  while (performance.now() - lastAccept < DRAIN_TIMEOUT_MS) {
    const [row] = await db.all<{ n: number }>(
      sql`SELECT count(*) AS n FROM webhook_inbox WHERE sender = ${`integration:${integration.id}`} AND state = 'applied'`,
    );
    applied = row?.n ?? 0;
    if (applied >= accepted) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const drainSeconds = (performance.now() - lastAccept) / 1000;

  const states = await db.all<{ state: string; n: number }>(
    sql`SELECT state, count(*) AS n FROM webhook_inbox WHERE sender = ${`integration:${integration.id}`} GROUP BY state`,
  );
  const [rows] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM access_user WHERE external_id LIKE 'B-%'`);
  const [twice] = await db.all<{ n: number }>(sql`
    SELECT count(*) AS n FROM (SELECT webhook_id FROM activity_entry WHERE webhook_id LIKE 'bench-%'
    GROUP BY webhook_id HAVING count(*) > 1)`);
  const acceptP99 = Number(percentile(sorted, 99).toFixed(1));
  const floorP99 = Number(percentile(floorRun.sorted, 99).toFixed(1));
  const result = {
    events: EVENTS,
    accept_p50_ms: Number(percentile(sorted, 50).toFixed(1)),
    accept_p99_ms: acceptP99,
    accepted_per_s: Math.round(queue.length / acceptSeconds),
    drain_s: Number(drainSeconds.toFixed(2)),
    lost: EVENTS - Math.min(rows?.n ?? 0, applied),
    duplicated: twice?.n ?? 0,
    floor_accept_p50_ms: Number(percentile(floorRun.sorted, 50).toFixed(1)),
    floor_accept_p99_ms: floorP99,
    floor_accepted_per_s: Math.round(queue.length / floorRun.seconds),
    floor_lost: EVENTS - (floorRows?.n ?? 0),
    accept_p99_ratio_to_floor: Number((acceptP99 / Math.max(floorP99, 0.1)).toFixed(2)),
  };
  console.log(`\nWebhooks: ${EVENTS} events + ${duplicates.length} duplicate deliveries at concurrency ${CONCURRENCY}`);
  console.table({
    ...result,
    statuses: JSON.stringify(Object.fromEntries(statuses)),
    inbox: JSON.stringify(Object.fromEntries(states.map((s) => [s.state, s.n]))),
    sender_retries: senderRetries,
    floor_statuses: JSON.stringify(Object.fromEntries(floorRun.statuses)),
    floor_sender_retries: floorRun.senderRetries,
  });
  mkdirSync(join(repoRoot, ".bench"), { recursive: true });
  writeFileSync(join(repoRoot, ".bench", "webhooks.json"), `${JSON.stringify(result, null, 2)}\n`);
  const ok =
    result.lost === 0 && result.duplicated === 0 && result.accept_p99_ratio_to_floor <= 1.3 && result.drain_s <= 5;
  console.log(
    ok
      ? "targets met (accept p99 ≤ 1.3 × the floor's, drain ≤ 5 s, lost 0, duplicated 0)"
      : "TARGETS MISSED (accept p99 ≤ 1.3 × the floor's, drain ≤ 5 s, lost 0, duplicated 0)",
  );
} finally {
  db.$client.close();
  await floor.stop();
  await stack.close();
}
