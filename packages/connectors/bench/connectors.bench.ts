/**
 * `npm run bench:connectors`: a 100,000-client Mindbody site and a 100,000-customer PushPress company listed
 * through their connectors and simulators over HTTP, beside the partner-contract demo partner (apps/demo-partner)
 * listed through the partner-api connector, the same number of people in the same run. Every record is validated by the domain
 * (`parseListingRecord`) on both sides, as a pass would. This measures the LISTING (HTTP, paging, translation,
 * validation), not the whole pass (planning and writing rows are the engine's and the same for every source).
 *
 * Glofox and ABC Ignite too: Glofox's listing is bound by its published rate (about 10 requests/s, 100 a page:
 * the connector paces its calls), so it is listed once (BENCH_GLOFOX_ROUNDS, default 1) without a warm-up.
 * ABC Ignite's poll lag (poll-lag.ts): changes at the simulator read by a 1-minute delta poll driven here
 * for BENCH_POLL_MINUTES (default 5; 0 skips it).
 *
 * Writes <repo root>/.bench/connectors.json. Env: BENCH_PEOPLE (default 100000), BENCH_ROUNDS (default 3, after one warm-up; the
 * best round of each system counts: the machine is shared).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseListingRecord } from "@uas/domain";
import type { ConnectionContext, Connector, ListingRequest } from "../src";
import { mindbodyConnector } from "../src/mindbody";
import { partnerApiConnector } from "../src/partner-api";
import { pushpressConnector } from "../src/pushpress";
import { glofoxConnector } from "../src/glofox";
import { abcIgniteConnector } from "../src/abc-ignite";
import { measurePollLag } from "./poll-lag";
import { BENCH_CLUB_TIME_ZONE, BENCH_CONTROL_KEY, BENCH_KEYS, type ServerInfo } from "./server";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 100_000);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const GLOFOX_ROUNDS = Math.max(1, Number(process.env.BENCH_GLOFOX_ROUNDS ?? 1));
const POLL_MINUTES = Math.max(0, Number(process.env.BENCH_POLL_MINUTES ?? 5));
const children: ChildProcess[] = [];

/** Each system serves from its own process, as a real one does from its own machine. */
async function serve(system: "partner" | "mindbody" | "pushpress" | "glofox" | "abc-ignite"): Promise<ServerInfo> {
  const script = fileURLToPath(new URL("./server.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, system, String(PEOPLE)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${system} server exited (${code})`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
  });
  return JSON.parse(line) as ServerInfo;
}

async function controlPost(url: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}/control${path}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${BENCH_CONTROL_KEY}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return res.json();
}

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

function best(runs: Listing[]): Listing {
  return runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

const round3 = (value: number) => Math.round(value * 1000) / 1000;

async function main(): Promise<void> {
  console.log(`bench:connectors: ${PEOPLE} people per system, ${ROUNDS} round(s)`);
  const [partner, mindbody, pushpress, glofox, abc] = await Promise.all([
    serve("partner"),
    serve("mindbody"),
    serve("pushpress"),
    serve("glofox"),
    serve("abc-ignite"),
  ]);
  const gfContext: ConnectionContext<{ apiKey: string; apiToken: string; branchId: string }> = {
    baseUrl: glofox.apiBaseUrl,
    credentials: { ...BENCH_KEYS.glofox, branchId: glofox.branchId ?? "" },
    fetch,
  };
  const abcContext: ConnectionContext<{ appId: string; appKey: string; clubNumber: string; clubTimeZone: string }> = {
    baseUrl: abc.apiBaseUrl,
    credentials: { ...BENCH_KEYS.abcIgnite, clubNumber: abc.clubNumber ?? "", clubTimeZone: BENCH_CLUB_TIME_ZONE },
    fetch,
  };
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
  // The partner contract through its own connector (partner-contract.md §2: cursor paging, 1,000 a page).
  const partnerContext: ConnectionContext<{ apiKey: string }> = {
    baseUrl: partner.url,
    credentials: { apiKey: BENCH_KEYS.partner },
    fetch,
  };
  const ppContext: ConnectionContext<{ apiKey: string; companyId: string }> = {
    baseUrl: pushpress.apiBaseUrl,
    credentials: { apiKey: BENCH_KEYS.pushpress, companyId: pushpress.companyId ?? "" },
    fetch,
  };

  // A warm-up listing each (not counted): JIT and the simulators' first-listing caches.
  await listThrough(partnerApiConnector, partnerContext);
  await listThrough(mindbodyConnector, mbContext);
  await listThrough(pushpressConnector, ppContext);
  await listThrough(abcIgniteConnector, abcContext);
  await controlPost(mindbody.url, "/usage/reset", {});

  const runs = {
    partner: [] as Listing[],
    mindbody: [] as Listing[],
    pushpress: [] as Listing[],
    glofox: [] as Listing[],
    abc: [] as Listing[],
  };
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Interleaved, so a burst of load from other processes hits every system alike.
    runs.partner.push(await listThrough(partnerApiConnector, partnerContext));
    runs.mindbody.push(await listThrough(mindbodyConnector, mbContext));
    runs.pushpress.push(await listThrough(pushpressConnector, ppContext));
    runs.abc.push(await listThrough(abcIgniteConnector, abcContext));
    if (round <= GLOFOX_ROUNDS) runs.glofox.push(await listThrough(glofoxConnector, gfContext));
    console.log(
      `round ${round}: partner ${runs.partner.at(-1)?.seconds.toFixed(2)} s, mindbody ${runs.mindbody.at(-1)?.seconds.toFixed(2)} s, pushpress ${runs.pushpress.at(-1)?.seconds.toFixed(2)} s, abc ${runs.abc.at(-1)?.seconds.toFixed(2)} s, glofox ${runs.glofox.at(-1)?.seconds.toFixed(2)} s`,
    );
  }
  const usage = (await (
    await fetch(`${mindbody.url}/control/usage`, { headers: { Authorization: `Bearer ${BENCH_CONTROL_KEY}` } })
  ).json()) as { keys: Record<string, { calls: number }> };
  const mindbodyCallsToday = usage.keys[BENCH_KEYS.mindbody]?.calls ?? 0;

  // A Mindbody delta: 100 clients change after the watermark (LastModifiedDateTime has whole seconds).
  const watermark = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000).toISOString();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await controlPost(mindbody.url, "/burst", { count: 100 });
  const delta = await listThrough(mindbodyConnector, mbContext, { locationIds: null, since: watermark });

  // Glofox and ABC deltas: 100 members change after the watermark (both stamp whole seconds).
  const laterWatermark = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000).toISOString();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await controlPost(glofox.url, "/burst", { count: 100 });
  await controlPost(abc.url, "/burst", { count: 100 });
  const gfDelta = await listThrough(glofoxConnector, gfContext, { locationIds: null, since: laterWatermark });
  const abcDelta = await listThrough(abcIgniteConnector, abcContext, { locationIds: null, since: laterWatermark });

  // ABC poll lag at a 1-minute poll: a different member changed every 2 s (a member changed twice between
  // polls is read once, at its latest version, which is what the row needs).
  const abcMembers = (await (
    await fetch(`${abc.apiBaseUrl}/${abc.clubNumber}/members?page=1&size=200&activeStatus=Active`, {
      headers: { app_id: BENCH_KEYS.abcIgnite.appId, app_key: BENCH_KEYS.abcIgnite.appKey },
    })
  ).json()) as { members: Array<{ memberId: string }> };
  const memberIds = abcMembers.members.map((member) => member.memberId);
  let changed = 0;
  const pollLag =
    POLL_MINUTES > 0 && memberIds.length > 0
      ? await measurePollLag({
          connector: abcIgniteConnector,
          context: abcContext,
          minutes: POLL_MINUTES,
          change: async (firstName) => {
            const memberId = memberIds[changed++ % memberIds.length];
            await controlPost(abc.url, "/members", { memberId, firstName });
          },
        })
      : null;

  const partnerBest = best(runs.partner);
  const gfBest = best(runs.glofox);
  const abcBest = best(runs.abc);
  const mbBest = best(runs.mindbody);
  const ppBest = best(runs.pushpress);
  const figures = {
    measures:
      "listing only (HTTP, paging, translation, domain validation of each record), not the whole pass; each system serves from its own process; best of the rounds after a warm-up",
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
      calls_counted_by_simulator_for_the_rounds: mindbodyCallsToday,
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
    glofox: {
      full_listing_seconds: round3(gfBest.seconds),
      calls_per_full_listing: gfBest.calls,
      people_listed: gfBest.people,
      invalid_records: gfBest.invalid,
      calls_per_delta: gfDelta.calls,
      delta_changed_people: gfDelta.people + gfDelta.removals,
      ratio_to_partner_api: round3(gfBest.seconds / partnerBest.seconds),
      rate_note:
        "Glofox publishes about 10 requests/s and at most 100 members a page: the connector spaces its calls 110 ms apart, so a full listing takes at least people/100 × 0.11 s whatever the machine",
      rounds: GLOFOX_ROUNDS,
    },
    abc_ignite: {
      full_listing_seconds: round3(abcBest.seconds),
      calls_per_full_listing: abcBest.calls,
      people_listed: abcBest.people,
      invalid_records: abcBest.invalid,
      calls_per_delta: abcDelta.calls,
      delta_changed_people: abcDelta.people + abcDelta.removals,
      ratio_to_partner_api: round3(abcBest.seconds / partnerBest.seconds),
      poll_lag: pollLag && {
        ...pollLag,
        measures:
          "seconds from a change at the simulator to the 1-minute delta poll reading it (driven in this process by the domain's pollDue/beginPoll/endPoll and the connector's delta, the Worker's rules); the Worker's apply queue adds at most its 1 s batch timeout",
      },
    },
    all_rounds_seconds: {
      partner_api: runs.partner.map((r) => round3(r.seconds)),
      mindbody: runs.mindbody.map((r) => round3(r.seconds)),
      pushpress: runs.pushpress.map((r) => round3(r.seconds)),
      glofox: runs.glofox.map((r) => round3(r.seconds)),
      abc_ignite: runs.abc.map((r) => round3(r.seconds)),
    },
  };
  mkdirSync(join(repoRoot, ".bench"), { recursive: true });
  writeFileSync(join(repoRoot, ".bench", "connectors.json"), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(JSON.stringify(figures, null, 2));
}

try {
  await main();
} finally {
  for (const child of children) child.kill("SIGTERM");
}
