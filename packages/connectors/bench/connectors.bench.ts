/**
 * `npm run bench:connectors`: a 100,000-client Mindbody site and a 100,000-customer PushPress company listed
 * through their connectors and simulators over HTTP, beside the partner-contract demo partner (apps/demo-partner)
 * listing the same number of people in the same run. Every record is validated by the domain
 * (`parseListingRecord`) on both sides, as a pass would. This measures the LISTING (HTTP, paging, translation,
 * validation), not the whole pass (planning and writing rows are the engine's and the same for every source).
 *
 * Writes <repo root>/.bench/connectors.json. Env: BENCH_PEOPLE (default 100000), BENCH_ROUNDS (default 2; the
 * best round of each system counts: the machine is shared).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDemoPartner } from "@uas/demo-partner";
import { parseListingRecord } from "@uas/domain";
import { startMindbodySimulator } from "@uas/simulators/mindbody";
import { startPushPressSimulator } from "@uas/simulators/pushpress";
import type { ConnectionContext, Connector, ListingRequest } from "../src";
import { mindbodyConnector } from "../src/mindbody";
import { pushpressConnector } from "../src/pushpress";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 100_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const CONTROL_KEY = "bench-control";

type Listing = { seconds: number; calls: number; people: number; invalid: number; removals: number };

async function listThrough<C>(
  connector: Connector<C>,
  context: ConnectionContext<C>,
  request: Omit<ListingRequest, "cursor"> = { locationIds: null },
): Promise<Listing> {
  const started = performance.now();
  let cursor: string | null = null;
  const totals = { calls: 0, people: 0, invalid: 0, removals: 0 };
  do {
    const page = await connector.listPage(context, { ...request, cursor });
    for (const record of page.records) {
      if (parseListingRecord("integration", record).ok) totals.people += 1;
      else totals.invalid += 1;
    }
    totals.calls += page.calls;
    totals.removals += page.removals?.length ?? 0;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { seconds: (performance.now() - started) / 1000, ...totals };
}

/** The partner contract's listing (partner-contract.md §2): `GET /members?cursor&limit=1000`, Bearer key. */
async function listPartner(url: string, apiKey: string): Promise<Listing> {
  const started = performance.now();
  const totals = { calls: 0, people: 0, invalid: 0, removals: 0 };
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "1000", ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${url}/members?${query}`, { headers: { Authorization: `Bearer ${apiKey}` } });
    totals.calls += 1;
    if (res.status !== 200) throw new Error(`partner listing: HTTP ${res.status}`);
    const body = (await res.json()) as { data: unknown[]; next_cursor: string | null };
    for (const record of body.data) {
      if (parseListingRecord("integration", record).ok) totals.people += 1;
      else totals.invalid += 1;
    }
    cursor = body.next_cursor;
  } while (cursor !== null);
  return { seconds: (performance.now() - started) / 1000, ...totals };
}

function best(runs: Listing[]): Listing {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

async function main(): Promise<void> {
  console.log(`bench:connectors: ${PEOPLE} people per system, ${ROUNDS} round(s)`);
  const partner = await startDemoPartner({ apiKey: "bench-partner-key", memberCount: PEOPLE, unref: true });
  const mindbody = await startMindbodySimulator({
    controlKey: CONTROL_KEY,
    apiKeys: ["bench-mb-key"],
    clientCount: PEOPLE,
    dailyCallQuota: 1000,
  });
  const pushpress = await startPushPressSimulator({
    controlKey: CONTROL_KEY,
    apiKeys: ["bench-pp-key"],
    customerCount: PEOPLE,
  });
  const mbContext: ConnectionContext<{ apiKey: string; siteId: string; username: string; password: string }> = {
    baseUrl: mindbody.apiBaseUrl,
    credentials: {
      apiKey: "bench-mb-key",
      siteId: String(mindbody.siteId),
      username: "owner",
      password: "owner-password",
    },
    fetch,
  };
  const ppContext: ConnectionContext<{ apiKey: string; companyId: string }> = {
    baseUrl: pushpress.apiBaseUrl,
    credentials: { apiKey: "bench-pp-key", companyId: pushpress.companyId },
    fetch,
  };

  const runs = { partner: [] as Listing[], mindbody: [] as Listing[], pushpress: [] as Listing[] };
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Interleaved, so a burst of load from other processes hits every system alike.
    runs.partner.push(await listPartner(partner.url, "bench-partner-key"));
    runs.mindbody.push(await listThrough(mindbodyConnector, mbContext));
    runs.pushpress.push(await listThrough(pushpressConnector, ppContext));
    console.log(
      `round ${round}: partner ${runs.partner.at(-1)?.seconds.toFixed(2)} s, mindbody ${runs.mindbody.at(-1)?.seconds.toFixed(2)} s, pushpress ${runs.pushpress.at(-1)?.seconds.toFixed(2)} s`,
    );
  }
  const mindbodyCallsToday = mindbody.usage().keys["bench-mb-key"]?.calls ?? 0;

  // A Mindbody delta: 100 clients change after the watermark (LastModifiedDateTime has whole seconds).
  const watermark = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000).toISOString();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await fetch(`${mindbody.url}/control/burst`, {
    method: "POST",
    headers: { Authorization: `Bearer ${CONTROL_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify({ count: 100 }),
  });
  const delta = await listThrough(mindbodyConnector, mbContext, { locationIds: null, since: watermark });

  const partnerBest = best(runs.partner);
  const mbBest = best(runs.mindbody);
  const ppBest = best(runs.pushpress);
  const figures = {
    measures: "listing only (HTTP, paging, translation, domain validation of each record), not the whole pass",
    people: PEOPLE,
    rounds: ROUNDS,
    partner_api: {
      full_listing_seconds: round3(partnerBest.seconds),
      calls_per_full_listing: partnerBest.calls,
      people_listed: partnerBest.people,
    },
    mindbody: {
      full_listing_seconds: round3(mbBest.seconds),
      calls_per_full_listing: mbBest.calls,
      people_listed: mbBest.people,
      invalid_records: mbBest.invalid,
      calls_per_delta: delta.calls,
      delta_changed_people: delta.people + delta.removals,
      daily_call_quota: 1000,
      share_of_daily_quota_per_full_listing: round3(mbBest.calls / 1000),
      calls_counted_by_simulator_for_full_listings: mindbodyCallsToday,
      ratio_to_partner_api: round3(mbBest.seconds / partnerBest.seconds),
    },
    pushpress: {
      full_listing_seconds: round3(ppBest.seconds),
      calls_per_full_listing: ppBest.calls,
      people_listed: ppBest.people,
      invalid_records: ppBest.invalid,
      calls_per_delta: null,
      delta_note: "PushPress has no modified-since filter: no deltas; webhooks carry changes",
      ratio_to_partner_api: round3(ppBest.seconds / partnerBest.seconds),
    },
    all_rounds_seconds: {
      partner_api: runs.partner.map((r) => round3(r.seconds)),
      mindbody: runs.mindbody.map((r) => round3(r.seconds)),
      pushpress: runs.pushpress.map((r) => round3(r.seconds)),
    },
  };
  mkdirSync(join(repoRoot, ".bench"), { recursive: true });
  writeFileSync(join(repoRoot, ".bench", "connectors.json"), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
  await Promise.all([partner.close(), mindbody.close(), pushpress.close()]);
}

await main();
