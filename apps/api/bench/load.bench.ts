/**
 * `pnpm bench:load` (issue 8, item 4): webhooks under load while tonight's nightly pass runs, against the
 * local stack (loopback only, bounded in count and time).
 *
 * 1. The stack (fresh temp data dir, own ports, webhook rate limit off), and a partner listing served by
 *    this process (load-listing.ts) that the demo integration is pointed at; Northside mirrors it.
 * 2. Last night: the listing serves snapshot A (LOAD_MEMBERS, 100,000) and the Worker's scheduled handler
 *    is fired for last night's 03:00 (wrangler dev's /cdn-cgi/handler/scheduled with a `time`; its
 *    /__scheduled ignores `time`): the real nightly pass,
 *    through the queue, creates everyone's rows.
 * 3. Tonight: the listing serves snapshot B (5 % of members changed since, 0.2 % gone); the scheduled
 *    handler is fired for tonight; once tonight's pass is running, LOAD_EVENTS (20,000) signed webhooks are
 *    sent at LOAD_CONCURRENCY (50): updates of listed members, removals (some with a rejoin), and members
 *    who join during the pass; 5 % of events delivered twice with the same webhook-id, 10 % delivered
 *    after a newer event of the same person (load-model.ts).
 *    The listing is paced (LOAD_PACE=0 turns it off) so that the pass is still reading when the last
 *    webhook is sent: its last page, and its removal sweep, come after every delivery.
 * 4. Wait (bounded) until every accepted event is applied and the pass has ended, then check:
 *    lost (accepted, but no applied inbox row or no activity entry), duplicated (a webhook-id with more
 *    than one activity entry for the facility), the final rows against the domain's expectation
 *    (load-model.ts expectedRows: planRecord over the source's history in updated_at order), and joiners
 *    disabled (removed at the source, access off, or missing after the pass).
 *
 *    `load_drain_s` runs from the last answer until both are done; `load_webhook_drain_s` until the last
 *    accepted event is applied (the paced pass's last page and sweep come after it).
 *
 * Figures are merged into `<repo>/.bench/reliability.json` (other keys kept) as `load_*`. Exits 1 when a
 * check fails, 2 when the time bound (LOAD_TIMEOUT_S) was hit.
 * Env: LOAD_MEMBERS, LOAD_EVENTS, LOAD_CONCURRENCY, LOAD_SEED, LOAD_PORT_BASE (7400), LOAD_TIMEOUT_S
 * (2400), LOAD_STALL_S (180: drain without progress), LOAD_WRITE=0 (no figures file), LOAD_PACE=0 (listing at full speed), BENCH_VERBOSE=1 (the stack's output).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { sql } from "drizzle-orm";
import { createNodeDb } from "@uas/db/node";
import { dueNightlyDate, nightlyStartOffsetMinutes, type RequireIdentifier } from "@uas/domain";
import { startStack, repoRoot, demoDatabaseFile } from "@uas/devkit/stack";
import { startListingServer } from "./load-listing";
import {
  deliveryPlan,
  differences,
  expectedRows,
  makeEvents,
  seeded,
  snapshotA,
  snapshotB,
  type ExpectedRow,
  type LoadEvent,
} from "./load-model";

const intEnv = (name: string, fallback: number) => {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};
const MEMBERS = intEnv("LOAD_MEMBERS", 100_000);
const EVENTS = intEnv("LOAD_EVENTS", 20_000);
const CONCURRENCY = Math.max(1, intEnv("LOAD_CONCURRENCY", 50));
const SEED = intEnv("LOAD_SEED", 20261124);
const TIMEOUT_S = intEnv("LOAD_TIMEOUT_S", 2400);
const base = intEnv("LOAD_PORT_BASE", 7400);
const WRITE = process.env.LOAD_WRITE !== "0";
const PACE = process.env.LOAD_PACE !== "0";
const PACE_MAX_HOLD_MS = 5000;
/** Drain gives up early when nothing moved for this long (a queue message lost, e.g. by a wrangler reload). */
const STALL_S = intEnv("LOAD_STALL_S", 180);
const SHARES = { duplicate: 0.05, outOfOrder: 0.1, changed: 0.05, departed: 0.002, removal: 0.15, joiner: 0.3 };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const started = Date.now();
const deadline = started + TIMEOUT_S * 1000;
class TimeBoundHit extends Error {}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const seconds = (ms: number) => Number((ms / 1000).toFixed(1));
const log = (message: string) => console.log(`[load ${seconds(Date.now() - started)}s] ${message}`);

const dataDir = join(tmpdir(), `uas-bench-load-${process.pid}`);
const listingKey = randomBytes(18).toString("base64url");
const listing = await startListingServer({ apiKey: listingKey, port: base + 5 });
const stack = await startStack({
  dataDir,
  fresh: true,
  ports: { web: base, api: base + 1, db: base + 2, partner: base + 3, mailbox: 0 },
  web: false,
  quiet: process.env.BENCH_VERBOSE !== "1",
  cron: false,
  vars: { WEBHOOK_RATE_LIMIT: "off" },
  // Measures the product, not wrangler's devtools relay (see apps/api/scripts/serve-without-inspector.mjs).
  inspector: false,
});
const db = createNodeDb({ url: `file:${demoDatabaseFile(dataDir)}` });
let closed = false;
const closeAll = async () => {
  if (closed) return;
  closed = true;
  db.$client.close();
  await stack.close();
  await listing.close();
  rmSync(dataDir, { recursive: true, force: true });
};
// The last resort of the time bound: whatever is stuck, stop the stack and leave.
const backstop = setTimeout(
  () => {
    console.error(`bench:load: ${TIMEOUT_S + 120}s hard bound reached; stopping`);
    void closeAll().finally(() => process.exit(2));
  },
  (TIMEOUT_S + 120) * 1000,
);
backstop.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void closeAll().finally(() => process.exit(130)));
}

/** Reads retried briefly: the bench reads the database file the stack is writing. */
async function query<T>(statement: ReturnType<typeof sql>): Promise<T[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.all<T>(statement);
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(100 * attempt);
    }
  }
}

async function waitFor<T>(what: string, poll: () => Promise<T | undefined>, everyMs = 500): Promise<T> {
  for (;;) {
    const value = await poll();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new TimeBoundHit(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

type PassRow = {
  id: string;
  nightly_date: string;
  state: string;
  reason: string | null;
  started_at: number;
  ended_at: number | null;
} & Record<"added" | "updated" | "skipped" | "disabled" | "processed" | "records_done", number>;

const figures: Record<string, number | string | boolean> = {};
let exitCode = 0;
try {
  const facility = stack.facilities.find((f) => f.name === "Northside")!;
  const integration = stack.integrations.find((i) => i.system === "partner-api")!;
  const sender = `integration:${integration.id}`;
  const now = Date.now();
  await db.run(
    sql`UPDATE integration SET base_url = ${listing.url}, api_key = ${listingKey} WHERE id = ${integration.id}`,
  );
  await db.run(
    sql`UPDATE sync_settings SET integrations_enabled = 1, updated_at = ${now} WHERE facility_id = ${facility.id}`,
  );
  const [context] = await query<{
    time_zone: string;
    nightly_hour: number;
    country_code: string;
    require_identifier: RequireIdentifier;
  }>(sql`
    SELECT f.time_zone, f.nightly_hour, f.country_code, s.require_identifier
    FROM facility f JOIN sync_settings s ON s.facility_id = f.id WHERE f.id = ${facility.id}`);
  const locations = await query<{ location_id: string; facility_id: string }>(
    sql`SELECT location_id, facility_id FROM integration_location WHERE integration_id = ${integration.id}`,
  );
  if (!context) throw new Error("Northside has no sync settings");

  // The workload, seeded. Last night's listing is older than tonight's, and every event is newer than both.
  const rng = seeded(SEED);
  const a = snapshotA(MEMBERS, now - 2 * DAY, rng);
  const b = snapshotB(a, now - DAY, rng, SHARES);
  const { events, joiners } = makeEvents(EVENTS, b.members, b.departed, now - HOUR, rng, SHARES);
  const plan = deliveryPlan(events, rng, SHARES);
  log(
    `${MEMBERS} members (${b.changed.size} changed, ${b.departed.size} gone tonight); ${events.length} events, ${plan.repeats} repeats, ${plan.outOfOrder} out of order; ${joiners.size} joiners`,
  );

  // The nightly cron as wrangler fires it, at a chosen time: last night's 03:00 hour primes, tonight's is measured.
  const due = (t: number) =>
    dueNightlyDate(t, context.time_zone, context.nightly_hour, nightlyStartOffsetMinutes(stack.organisationId));
  let tonight = Math.floor(now / (15 * 60_000)) * 15 * 60_000;
  while (!due(tonight)) tonight -= 15 * 60_000;
  let lastNight = tonight - DAY;
  while (!due(lastNight) || due(lastNight) === due(tonight)) lastNight -= 15 * 60_000;
  const fireCron = async (time: number) => {
    const res = await fetch(
      `${stack.apiUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/15 * * * *")}&time=${time}`,
    );
    if (!res.ok) throw new Error(`the scheduled handler answered ${res.status}: ${await res.text()}`);
  };
  const passOf = async (date: string) =>
    (
      await query<PassRow>(
        sql`SELECT * FROM sync_pass WHERE facility_id = ${facility.id} AND source = 'integration' AND nightly_date = ${date}`,
      )
    )[0];
  const ended = async (date: string) => {
    const pass = await passOf(date);
    return pass && pass.state !== "running" ? pass : undefined;
  };

  // Last night's pass: everyone gets a row (tonight is then the steady nightly pass, as in production).
  listing.serve(a);
  await fireCron(lastNight);
  const primed = await waitFor("last night's pass", () => ended(due(lastNight)!), 1000);
  if (primed.state !== "complete") throw new Error(`last night's pass ended ${primed.state}: ${primed.reason}`);
  figures.load_prime_pass_s = seconds((primed.ended_at ?? 0) - primed.started_at);
  log(`last night's pass complete in ${figures.load_prime_pass_s}s (${primed.added} added)`);

  // Tonight: the changed listing, the nightly pass, and the webhooks while it runs. Paced (LOAD_PACE, on
  // by default), the listing hands out page k of n once k/(n-1) of the deliveries were sent, so the pass
  // reads its last page, and sweeps, only after every webhook was sent: the whole load lands during it.
  // A page is never held more than PACE_MAX_HOLD_MS (the Worker's listing timeout is 10 s).
  let sent = 0;
  listing.serve(
    b.members,
    PACE
      ? {
          ready: (page, pages) => page === 0 || sent >= (page / Math.max(1, pages - 1)) * plan.deliveries.length,
          maxHoldMs: PACE_MAX_HOLD_MS,
        }
      : undefined,
  );
  const pagesBefore = listing.stats.pages;
  await fireCron(tonight);
  const pass = await waitFor("tonight's pass to start", () => passOf(due(tonight)!), 200);
  // Send once the pass is reading its listing, so every event is received during it.
  await waitFor(
    "tonight's first page",
    async () =>
      listing.stats.pages > pagesBefore || (await passOf(pass.nightly_date))?.state !== "running" ? true : undefined,
    100,
  );
  log(`tonight's pass ${pass.id} running; sending`);

  const url = `${stack.apiUrl}/webhooks/integrations/${integration.id}`;
  const signer = new Webhook(integration.webhookSecret);
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  const answered = new Set<number>();
  let senderRetries = 0;
  let timedOut = false;
  const send = async (index: number) => {
    const event = events[index] as LoadEvent;
    for (let attempt = 1; ; attempt += 1) {
      const timestamp = new Date();
      const t0 = performance.now();
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "webhook-id": event.id,
            "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
            "webhook-signature": signer.sign(event.id, timestamp, event.body),
          },
          body: event.body,
        });
        const text = await res.text();
        // As the contract asks of a sender: a 5xx or a dropped connection is retried with the same webhook-id.
        if (res.status >= 500 || !text.startsWith("{")) throw new Error(`answered ${res.status}`);
        latencies.push(performance.now() - t0);
        const answer = JSON.parse(text) as { status?: string };
        const key = res.status === 202 ? `202 ${answer.status}` : String(res.status);
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (res.status === 202) answered.add(index);
        return;
      } catch {
        if (attempt >= 6 || Date.now() > deadline) {
          statuses.set("gave up", (statuses.get("gave up") ?? 0) + 1);
          return;
        }
        senderRetries += 1;
        await sleep(200 * attempt);
      }
    }
  };
  let next = 0;
  const sendStart = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < plan.deliveries.length && Date.now() <= deadline) {
        await send(plan.deliveries[next++]!.event);
        sent += 1;
      }
    }),
  );
  const sendSeconds = (performance.now() - sendStart) / 1000;
  const lastAccept = performance.now();
  const lastAcceptAt = Date.now();
  if (next < plan.deliveries.length) timedOut = true;
  const accepted = events.filter((_, i) => answered.has(i));
  log(
    `sent ${next} deliveries in ${seconds(sendSeconds * 1000)}s; ${accepted.length}/${events.length} events accepted; draining`,
  );

  // Drain: every accepted event applied (or failed) and tonight's pass ended.
  let drained = false;
  let stalled = false;
  let progressAt = 0;
  let lastMark = "";
  let lastMove = Date.now();
  for (;;) {
    const [inbox] = await query<{ done: number }>(
      sql`SELECT count(*) AS done FROM webhook_inbox WHERE sender = ${sender} AND state IN ('applied', 'failed')`,
    );
    const current = await passOf(due(tonight)!);
    if ((inbox?.done ?? 0) >= accepted.length && current && current.state !== "running") {
      drained = true;
      break;
    }
    if (Date.now() > deadline) break;
    const mark = `${inbox?.done}/${current?.records_done}/${current?.state}`;
    if (mark !== lastMark) [lastMark, lastMove] = [mark, Date.now()];
    if (Date.now() - lastMove > STALL_S * 1000) {
      stalled = true;
      log(`nothing moved for ${STALL_S}s; giving up the drain`);
      break;
    }
    if (Date.now() - progressAt > 15_000) {
      progressAt = Date.now();
      log(
        `applied ${inbox?.done ?? 0}/${accepted.length}; pass ${current?.state} at ${current?.records_done ?? 0} records`,
      );
    }
    await sleep(250);
  }
  if (!drained && !stalled) timedOut = true;
  const drainSeconds = (performance.now() - lastAccept) / 1000;
  const measured = (await passOf(due(tonight)!))!;

  // Lost and applied twice, from the inbox and the activity log.
  const inbox = new Map(
    (
      await query<{ webhook_id: string; state: string; received_at: number; applied_at: number | null }>(
        sql`SELECT webhook_id, state, received_at, applied_at FROM webhook_inbox WHERE sender = ${sender}`,
      )
    ).map((row) => [row.webhook_id, row]),
  );
  const entries = await query<{ webhook_id: string; facility_id: string | null; n: number }>(sql`
    SELECT webhook_id, facility_id, count(*) AS n FROM activity_entry
    WHERE webhook_id LIKE 'load-%' GROUP BY webhook_id, facility_id`);
  const withEntry = new Set(entries.map((e) => e.webhook_id));
  const twice = new Set(entries.filter((e) => e.n > 1).map((e) => e.webhook_id));
  const lost = accepted.filter((event) => inbox.get(event.id)?.state !== "applied" || !withEntry.has(event.id));
  const failed = accepted.filter((event) => inbox.get(event.id)?.state === "failed");
  const receivedDuringPass = accepted.filter((event) => {
    const receivedAt = inbox.get(event.id)?.received_at;
    return (
      receivedAt != null &&
      measured.ended_at != null &&
      receivedAt >= measured.started_at &&
      receivedAt <= measured.ended_at
    );
  }).length;
  // The webhooks' own drain: from the last answer to the last accepted event applied (the pass may end later).
  const lastApplied = Math.max(lastAcceptAt, ...accepted.map((event) => inbox.get(event.id)?.applied_at ?? 0));
  const webhookDrainSeconds = (lastApplied - lastAcceptAt) / 1000;
  const appliedDuringPass = accepted.filter((event) => {
    const appliedAt = inbox.get(event.id)?.applied_at;
    return appliedAt != null && measured.ended_at != null && appliedAt <= measured.ended_at;
  }).length;

  // The final rows against what the domain computes from the same history.
  const expected = expectedRows({
    facility: { id: facility.id, countryCode: context.country_code },
    settings: { sourceEnabled: true, integrationEnabled: true, requireIdentifier: context.require_identifier },
    locationMap: new Map(locations.map((l) => [l.location_id, l.facility_id])),
    a,
    b: b.members,
    events: accepted,
  });
  type DbRow = {
    external_id: string;
    first_name: string;
    last_name: string;
    email: string | null;
    mobile_phone: string | null;
    person_type: string | null;
    membership_status: string | null;
    synced_tags: string;
    source_updated_at: number | null;
    removed_at_source_at: number | null;
    removal_source_updated_at: number | null;
    access_enabled: number;
    track_source_updates: number;
  };
  const rows = await query<DbRow>(sql`
    SELECT external_id, first_name, last_name, email, mobile_phone, person_type, membership_status, synced_tags,
      source_updated_at, removed_at_source_at, removal_source_updated_at, access_enabled, track_source_updates
    FROM access_user WHERE facility_id = ${facility.id} AND source = 'integration' AND integration_id = ${integration.id}`);
  const actual = new Map<string, DbRow>(rows.map((row) => [row.external_id, row]));
  const asExpected = (row: DbRow | undefined): ExpectedRow | null =>
    row
      ? {
          firstName: row.first_name,
          lastName: row.last_name,
          email: row.email,
          mobilePhone: row.mobile_phone,
          personType: row.person_type,
          membershipStatus: row.membership_status,
          syncedTags: (JSON.parse(row.synced_tags) as string[]).sort(),
          sourceUpdatedAt: row.source_updated_at,
          removed: row.removed_at_source_at !== null,
          removalSourceUpdatedAt: row.removal_source_updated_at,
        }
      : null;
  const mismatches: string[] = [];
  for (const id of new Set([...expected.keys(), ...actual.keys()])) {
    const row = actual.get(id);
    const diff = differences(expected.get(id) ?? null, asExpected(row));
    // Sync never writes the admin's switches.
    if (row && (row.access_enabled !== 1 || row.track_source_updates !== 1)) diff.push("an admin-owned switch changed");
    if (diff.length > 0) mismatches.push(`${id}: ${diff.join("; ")}`);
  }
  const joinersAccepted = new Set(accepted.filter((e) => e.group === "joiner").map((e) => e.externalId));
  // Disabled: the row is there but marked removed at the source or its access is off; missing: no row at all.
  const joinersDisabled = [...joinersAccepted].filter((id) => {
    const row = actual.get(id);
    return row !== undefined && (row.removed_at_source_at !== null || row.access_enabled !== 1);
  });
  const joinersMissing = [...joinersAccepted].filter((id) => !actual.has(id));
  const sweptByPass = await query<{ external_id: string }>(
    sql`SELECT external_id FROM activity_entry WHERE pass_id = ${measured.id} AND outcome = 'disabled'`,
  );
  const wronglySwept = sweptByPass.filter((e) => !b.departed.has(e.external_id));

  const sorted = [...latencies].sort((x, y) => x - y);
  Object.assign(figures, {
    load_members: MEMBERS,
    load_events: events.length,
    load_concurrency: CONCURRENCY,
    load_deliveries: plan.deliveries.length,
    load_repeat_deliveries: plan.repeats,
    load_out_of_order: plan.outOfOrder,
    load_joiners: joinersAccepted.size,
    load_accepted: accepted.length,
    load_lost: lost.length,
    load_failed: failed.length,
    load_duplicated: twice.size,
    load_final_state_matches: mismatches.length === 0 && rows.length > 0,
    load_final_state_mismatches: mismatches.length,
    load_rows_checked: expected.size,
    load_joiners_disabled: joinersDisabled.length,
    load_joiners_missing: joinersMissing.length,
    load_pass_disabled: sweptByPass.length,
    load_pass_disabled_expected: b.departed.size,
    load_pass_wrongly_disabled: wronglySwept.length,
    load_pass_state: measured.state,
    load_pass_s: measured.ended_at ? seconds(measured.ended_at - measured.started_at) : -1,
    load_pass_paced: PACE,
    load_listing_held_s: seconds(listing.stats.heldMs),
    load_events_received_during_pass: receivedDuringPass,
    load_events_applied_during_pass: appliedDuringPass,
    load_accept_p50_ms: Number(percentile(sorted, 50).toFixed(1)),
    load_accept_p99_ms: Number(percentile(sorted, 99).toFixed(1)),
    load_accepted_per_s: Math.round(next / sendSeconds),
    load_send_s: seconds(sendSeconds * 1000),
    load_drain_s: seconds(drainSeconds * 1000),
    load_webhook_drain_s: seconds(webhookDrainSeconds * 1000),
    load_sender_retries: senderRetries,
    load_timed_out: timedOut,
    load_stalled: stalled,
    load_seconds: seconds(Date.now() - started),
    load_measured_at: new Date().toISOString(),
  });
  console.log(
    `\nLoad: ${events.length} webhooks (+${plan.repeats} repeats, ${plan.outOfOrder} out of order) at concurrency ${CONCURRENCY} ` +
      `during tonight's nightly pass of ${b.members.length} members`,
  );
  console.log(`answers: ${JSON.stringify(Object.fromEntries(statuses))}`);
  console.table(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, { value: v }])));
  for (const line of mismatches.slice(0, 10)) console.log(`  mismatch ${line}`);
  for (const event of lost.slice(0, 10))
    console.log(`  lost ${event.id} (${event.externalId}): inbox ${inbox.get(event.id)?.state ?? "none"}`);
  for (const id of joinersDisabled.slice(0, 10)) console.log(`  joiner disabled: ${id}`);
  for (const id of joinersMissing.slice(0, 10)) console.log(`  joiner missing: ${id}`);
  for (const e of wronglySwept.slice(0, 10)) console.log(`  disabled by the pass but listed: ${e.external_id}`);
  const ok =
    lost.length === 0 &&
    twice.size === 0 &&
    mismatches.length === 0 &&
    joinersDisabled.length === 0 &&
    joinersMissing.length === 0 &&
    wronglySwept.length === 0 &&
    measured.state === "complete" &&
    accepted.length === events.length &&
    !stalled;
  if (stalled) {
    console.error(`bench:load: the drain stalled (no progress for ${STALL_S}s): see the lost events / the pass above`);
    exitCode = 1;
  } else if (timedOut) {
    console.error(`bench:load: the ${TIMEOUT_S}s time bound was hit (figures above are what was reached)`);
    exitCode = 2;
  } else if (!ok) exitCode = 1;
  console.log(
    ok && !timedOut ? "checks met (lost 0, applied twice 0, final rows = domain, no joiner disabled)" : "CHECKS FAILED",
  );
} catch (error) {
  console.error("bench:load failed:", error instanceof Error ? error.message : error);
  const passes = await query<Record<string, unknown>>(
    sql`SELECT id, trigger, state, reason, nightly_date, started_at, ended_at, pages_done, records_done FROM sync_pass`,
  ).catch(() => []);
  console.error("passes:", JSON.stringify(passes));
  figures.load_error = error instanceof Error ? error.message : String(error);
  figures.load_timed_out = error instanceof TimeBoundHit;
  exitCode = error instanceof TimeBoundHit ? 2 : 1;
} finally {
  await closeAll();
  clearTimeout(backstop);
}

if (WRITE && Object.keys(figures).length > 0) {
  const outFile = join(repoRoot, ".bench", "reliability.json");
  // Merge: other benches' keys stay; this run's load_* keys replace the last run's.
  const existing = existsSync(outFile) ? (JSON.parse(readFileSync(outFile, "utf8")) as Record<string, unknown>) : {};
  const kept = Object.fromEntries(Object.entries(existing).filter(([key]) => !key.startsWith("load_")));
  mkdirSync(join(repoRoot, ".bench"), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify({ ...kept, ...figures }, null, 2)}\n`);
  console.log(`figures merged into ${outFile}`);
}
process.exit(exitCode);
