/**
 * bench:connectors' webhook step: signed change events of each webhook system (Mindbody, PushPress, Glofox)
 * through the real Worker route `POST /webhooks/integrations/{id}` of the local stack (the demo's native
 * integrations, signed with the secrets `.data/dev.json` gives), the load and the floor of bench:webhooks
 * (bench/webhook-load.ts): the floor first, then each system, the same number of deliveries at the same
 * concurrency, each after a warm-up of its own (not measured). Then the drain: every accepted event applied, none lost, none applied twice.
 *
 * Merges each system's `webhooks` figures into <repo root>/.bench/connectors.json (written by the
 * connectors package's bench, the first step). Env: BENCH_EVENTS (default 2000 a system), BENCH_CONCURRENCY
 * (default 20), BENCH_PORT_BASE (default 7120).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { updateSyncSettings } from "@uas/db";
import { createNodeDb } from "@uas/db/node";
import { repoRoot, startStack, demoDatabaseFile } from "@uas/devkit/stack";
import type { DevJsonIntegration } from "@uas/devkit/dev-json";
import { glofoxSignature, mindbodySignature, pushpressSignature } from "@uas/simulators";
import { type Delivery, type LoadResult, percentile, runLoad, startFloor } from "./webhook-load";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 20);
const DRAIN_TIMEOUT_MS = 180_000;
/** Deliveries sent to each receiver before the measured ones (a Worker's first requests compile its code). */
const WARM_UP = Math.min(100, Math.ceil(EVENTS / 10));
const base = Number(process.env.BENCH_PORT_BASE ?? 7120);
/** How fast each system wants its answer (it retries anything slower). */
const ANSWER_WITHIN_MS = { mindbody: 10_000, pushpress: 10_000, glofox: 5_000 } as const;
type WebhookSystem = keyof typeof ANSWER_WITHIN_MS;

const changedAt = (i: number) => Math.floor(Date.UTC(2026, 11, 1, 12) / 1000) + i;

/** One change event of `system`, as the system sends it (the shapes the connectors' tests verify). */
function deliveryOf(system: WebhookSystem, integration: DevJsonIntegration, i: number): Delivery {
  const secret = integration.webhookSecret;
  if (system === "mindbody") {
    const body = JSON.stringify({
      messageId: `bench-mb-${i}`,
      eventId: "client.updated",
      eventSchemaVersion: 1,
      eventInstanceOriginationDateTime: new Date(changedAt(i) * 1000).toISOString(),
      eventData: {
        siteId: Number(integration.siteId),
        clientId: `BMB${i}`,
        clientUniqueId: 900_000_000 + i,
        status: "Active",
        firstName: "Bench",
        lastName: `Mindbody ${i}`,
        email: `bench.mb.${i}@example.com`,
        homeLocation: Number(Object.keys(integration.locationMap)[0]),
      },
    });
    return { body, sign: () => ({ "x-mindbody-signature": mindbodySignature(body, secret) }) };
  }
  if (system === "pushpress") {
    const data = {
      id: `bench_pp_${i}`,
      companyId: integration.companyId,
      name: { first: "Bench", last: `PushPress ${i}` },
      email: `bench.pp.${i}@example.com`,
      phone: null,
      role: "member",
      account: { type: "primary" },
    };
    const body = JSON.stringify({ event: "customer.details.changed", created: changedAt(i), data });
    return { body, sign: () => ({ "webhook-signature": pushpressSignature(data, secret) }) };
  }
  const body = JSON.stringify({
    id: `bench-gf-${i}`,
    type: "MEMBER_UPDATED",
    branch_id: integration.branchId,
    created: changedAt(i),
    data: {
      _id: `bench_gf_${i}`,
      branch_id: integration.branchId,
      first_name: "Bench",
      last_name: `Glofox ${i}`,
      email: `bench.gf.${i}@example.com`,
      phone: null,
      active: true,
      membership: { type: "time", status: "ACTIVE" },
      lead_status: "MEMBER",
      modified: changedAt(i),
    },
  });
  return { body, sign: () => ({ signature: glofoxSignature(body, secret) }) };
}

const round1 = (value: number) => Number(value.toFixed(1));
const summary = (run: LoadResult) => ({
  accept_p50_ms: round1(percentile(run.sorted, 50)),
  accept_p99_ms: round1(percentile(run.sorted, 99)),
  accept_max_ms: round1(run.sorted.at(-1) ?? 0),
  accepted_per_s: Math.round(run.sorted.length / run.seconds),
  statuses: Object.fromEntries(run.statuses),
  sender_retries: run.senderRetries,
});

const dataDir = join(tmpdir(), `uas-bench-connector-webhooks-${process.pid}`);
const stack = await startStack({
  dataDir,
  fresh: true,
  ports: { web: base, api: base + 1, db: base + 2, partner: base + 3 },
  web: false,
  quiet: process.env.BENCH_VERBOSE !== "1",
  cron: false,
  vars: { WEBHOOK_RATE_LIMIT: "off" },
  inspector: false,
});
const db = createNodeDb({ url: `file:${demoDatabaseFile(dataDir)}` });
const partner = stack.integrations.find((i) => i.system === "partner-api");
const floor = await startFloor({
  stack,
  db,
  dataDir,
  port: base + 4,
  secret: partner?.webhookSecret ?? "",
}).catch(async (error: unknown) => {
  db.$client.close();
  await stack.close();
  throw error;
});

try {
  for (const facility of stack.facilities)
    await updateSyncSettings(db, facility.id, { integrationsEnabled: true }, Date.now());
  console.log(
    `bench:connectors webhooks: ${EVENTS} events a system at concurrency ${CONCURRENCY}; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );

  // The floor: partner-signed deliveries of the same count, the least an honest 202 needs.
  const signer = new Webhook(partner?.webhookSecret ?? "");
  const floorLoad: Delivery[] = Array.from({ length: WARM_UP + EVENTS }, (_, i) => {
    const id = `bench-floor-${i}`;
    const body = JSON.stringify({ type: "member.upserted", data: { external_id: `F-${i}` } });
    return {
      body,
      sign: () => {
        const at = new Date();
        return {
          "webhook-id": id,
          "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
          "webhook-signature": signer.sign(id, at, body),
        };
      },
    };
  });
  await runLoad(floor.url(partner?.id ?? ""), floorLoad.slice(0, WARM_UP), CONCURRENCY);
  const floorRun = await runLoad(floor.url(partner?.id ?? ""), floorLoad.slice(WARM_UP), CONCURRENCY);
  const floorP99 = percentile(floorRun.sorted, 99);
  console.log(`floor: p99 ${floorP99.toFixed(1)} ms`);

  const results: Record<string, Record<string, unknown>> = {};
  for (const system of Object.keys(ANSWER_WITHIN_MS) as WebhookSystem[]) {
    const integration = stack.integrations.find((i) => i.system === system);
    if (!integration) throw new Error(`the demo has no ${system} integration`);
    const load = Array.from({ length: WARM_UP + EVENTS }, (_, i) => deliveryOf(system, integration, i));
    const route = `${stack.apiUrl}/webhooks/integrations/${integration.id}`;
    await runLoad(route, load.slice(0, WARM_UP), CONCURRENCY);
    const run = await runLoad(route, load.slice(WARM_UP), CONCURRENCY);
    const lastAccept = performance.now();
    const sender = `integration:${integration.id}`;
    let applied = 0;
    while (performance.now() - lastAccept < DRAIN_TIMEOUT_MS) {
      const [row] = await db.all<{ n: number }>(
        sql`SELECT count(*) AS n FROM webhook_inbox WHERE sender = ${sender} AND state = 'applied'`,
      );
      applied = row?.n ?? 0;
      if (applied >= WARM_UP + EVENTS) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const drainSeconds = (performance.now() - lastAccept) / 1000;
    const [twice] = await db.all<{ n: number }>(sql`
      SELECT count(*) AS n FROM (SELECT webhook_id FROM activity_entry WHERE webhook_id IN
        (SELECT webhook_id FROM webhook_inbox WHERE sender = ${sender}) GROUP BY webhook_id HAVING count(*) > 1)`);
    const p99 = percentile(run.sorted, 99);
    results[system] = {
      events: EVENTS,
      concurrency: CONCURRENCY,
      ...summary(run),
      answer_within_ms: ANSWER_WITHIN_MS[system],
      accept_p99_ratio_to_floor: Number((p99 / Math.max(floorP99, 0.1)).toFixed(2)),
      drain_s: Number(drainSeconds.toFixed(2)),
      lost: WARM_UP + EVENTS - applied,
      duplicated: twice?.n ?? 0,
    };
    console.log(
      `${system}: accept p50 ${results[system].accept_p50_ms} ms, p99 ${p99.toFixed(1)} ms (${results[system].accept_p99_ratio_to_floor}× the floor), drain ${drainSeconds.toFixed(2)} s, lost ${WARM_UP + EVENTS - applied}; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  }

  const file = join(repoRoot, ".bench", "connectors.json");
  const figures = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : {};
  const floorFigures = { ...summary(floorRun), events: EVENTS, concurrency: CONCURRENCY };
  figures.webhooks_floor = {
    ...floorFigures,
    measures:
      "bench/floor/worker.ts: verify a Standard Webhooks signature and insert one row through the same database endpoint (the least an honest 202 needs), same deliveries count and concurrency, same run",
  };
  for (const [system, result] of Object.entries(results)) {
    const key = system === "abc-ignite" ? "abc_ignite" : system;
    figures[key] = { ...((figures[key] as Record<string, unknown> | undefined) ?? {}), webhooks: result };
  }
  figures.webhooks_load_average_at_end = loadavg().map((l) => Number(l.toFixed(2)));
  mkdirSync(join(repoRoot, ".bench"), { recursive: true });
  writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify({ webhooks_floor: floorFigures, ...results }, null, 2));
} finally {
  db.$client.close();
  await floor.stop();
  await stack.close();
}
