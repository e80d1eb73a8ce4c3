/**
 * `npm run bench:connectors`: per member system (Mindbody, PushPress, Glofox, ABC Ignite), each with PEOPLE
 * people served by its simulator over HTTP from its own process, beside the partner contract's demo partner
 * (apps/demo-partner) with the same number of people, in the same run:
 *
 * Each system's connector is the registry's (`connectorFor`), as the Worker runs it (native pages gathered up
 * to the Worker's page size, src/shared/gather-pages.ts).
 *
 * - the FULL pass (full-pass.ts): the listing through the connector and the engine applying it to a real
 *   libSQL database, first pass (everyone added) and unchanged pass (the common night): seconds, CPU,
 *   API calls; `ratio_to_partner_api` = the system's full pass over the partner contract's (target ≤ 1.5);
 * - the listing alone (`listing_only`: HTTP, paging, translation, validation; best of BENCH_ROUNDS after a
 *   warm-up), and API calls per delta;
 * - ABC Ignite's poll lag (poll-lag.ts) at a 1-minute poll for BENCH_POLL_MINUTES (default 5; 0 skips it).
 *
 * Glofox's listing is bound by its published rate (about 10 requests/s, 100 a page: the connector paces its
 * calls), so its passes take at least people/100 × 0.11 s whatever the machine; the output says so.
 * Webhook accept p99 (Mindbody, PushPress, Glofox through the Worker's route) is added to the same file by
 * apps/api/bench/connector-webhooks.bench.ts, the second step of `npm run bench:connectors`.
 *
 * Writes <repo root>/.bench/connectors.json. Size: `--people N` or BENCH_PEOPLE (default 100,000).
 * BENCH_ROUNDS (default 3) listing-only rounds; BENCH_GLOFOX_ROUNDS (default 0) listing-only Glofox rounds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DEFAULT_LOCATIONS as PARTNER_LOCATIONS } from "@uas/demo-partner";
import { parseListingRecord } from "@uas/domain";
import { type ConnectionContext, type Connector, type ListingRequest, connectorFor } from "../src";
import { partnerApiConnector } from "../src/partner-api";
import { type FullPassFigures, type PassFigures, measureFullPass } from "./full-pass";
import { measurePollLag } from "./poll-lag";
import { BENCH_CLUB_TIME_ZONE, BENCH_CONTROL_KEY, BENCH_KEYS, type ServerInfo } from "./server";

const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const peopleFlag = process.argv.indexOf("--people");
const PEOPLE = Number(
  (peopleFlag >= 0 ? process.argv[peopleFlag + 1] : undefined) ?? process.env.BENCH_PEOPLE ?? 100_000,
);
if (!Number.isInteger(PEOPLE) || PEOPLE < 1000) throw new Error("--people must be a whole number of at least 1,000");
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const GLOFOX_ROUNDS = Math.max(0, Number(process.env.BENCH_GLOFOX_ROUNDS ?? 0));
/** Glofox's published rate and page size, as the connector paces it (src/glofox: 110 ms between calls). */
const GLOFOX_PAGE = 100;
const GLOFOX_CALL_SPACING_S = 0.11;
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
  console.log(
    `bench:connectors: ${PEOPLE} people per system, ${ROUNDS} listing round(s); load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
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
  await listThrough(connectorFor("mindbody"), mbContext);
  await listThrough(connectorFor("pushpress"), ppContext);
  await listThrough(connectorFor("abc-ignite"), abcContext);
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
    runs.mindbody.push(await listThrough(connectorFor("mindbody"), mbContext));
    runs.pushpress.push(await listThrough(connectorFor("pushpress"), ppContext));
    runs.abc.push(await listThrough(connectorFor("abc-ignite"), abcContext));
    if (round <= GLOFOX_ROUNDS) runs.glofox.push(await listThrough(connectorFor("glofox"), gfContext));
    console.log(
      `round ${round}: partner ${runs.partner.at(-1)?.seconds.toFixed(2)} s, mindbody ${runs.mindbody.at(-1)?.seconds.toFixed(2)} s, pushpress ${runs.pushpress.at(-1)?.seconds.toFixed(2)} s, abc ${runs.abc.at(-1)?.seconds.toFixed(2)} s${round <= GLOFOX_ROUNDS ? `, glofox ${runs.glofox.at(-1)?.seconds.toFixed(2)} s` : ""}; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
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
  const delta = await listThrough(connectorFor("mindbody"), mbContext, { locationIds: null, since: watermark });

  // Glofox and ABC deltas: 100 members change after the watermark (both stamp whole seconds).
  const laterWatermark = new Date(Math.floor(Date.now() / 1000) * 1000 + 1000).toISOString();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await controlPost(glofox.url, "/burst", { count: 100 });
  await controlPost(abc.url, "/burst", { count: 100 });
  const gfDelta = await listThrough(connectorFor("glofox"), gfContext, { locationIds: null, since: laterWatermark });
  const abcDelta = await listThrough(connectorFor("abc-ignite"), abcContext, {
    locationIds: null,
    since: laterWatermark,
  });

  // The full passes, one system after another (each its own fresh database); the partner contract's first
  // and last, so the ratio's denominator is the better of two runs that bracket the others.
  await controlPost(mindbody.url, "/usage/reset", {});
  const passes: Record<string, FullPassFigures[]> = { partner: [] };
  const runPass = async <C>(
    name: string,
    system: Parameters<typeof measureFullPass>[0]["system"],
    connector: Connector<C>,
    context: ConnectionContext<C>,
  ) => {
    const figures = await measureFullPass({
      system,
      connector,
      context,
      ...(system === "partner-api" ? { locationIds: PARTNER_LOCATIONS } : {}),
    });
    passes[name] = [...(passes[name] ?? []), figures];
    console.log(
      `full pass ${name}: first ${figures.first.seconds.toFixed(2)} s (${figures.first.added} added, ${figures.first.calls} calls), unchanged ${figures.unchanged.seconds.toFixed(2)} s (${figures.unchanged.processed} processed); load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  };
  await runPass("partner", "partner-api", partnerApiConnector, partnerContext);
  await runPass("mindbody", "mindbody", connectorFor("mindbody"), mbContext);
  await runPass("pushpress", "pushpress", connectorFor("pushpress"), ppContext);
  await runPass("abc", "abc-ignite", connectorFor("abc-ignite"), abcContext);
  await runPass("partner", "partner-api", partnerApiConnector, partnerContext);
  await runPass("glofox", "glofox", connectorFor("glofox"), gfContext);

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
          connector: connectorFor("abc-ignite"),
          context: abcContext,
          minutes: POLL_MINUTES,
          change: async (firstName) => {
            const memberId = memberIds[changed++ % memberIds.length];
            await controlPost(abc.url, "/members", { memberId, firstName });
          },
        })
      : null;

  const bestPass = (runs: FullPassFigures[], which: "first" | "unchanged"): PassFigures =>
    runs.map((run) => run[which]).reduce((a, b) => (b.seconds < a.seconds ? b : a));
  const partnerFirst = bestPass(passes.partner ?? [], "first");
  const partnerUnchanged = bestPass(passes.partner ?? [], "unchanged");
  /** One system's full-pass figures, its ratios to the partner contract's in this run. */
  const fullPass = (name: string) => {
    const first = bestPass(passes[name] ?? [], "first");
    const unchanged = bestPass(passes[name] ?? [], "unchanged");
    return {
      full_pass_seconds: round3(first.seconds),
      full_pass_cpu_seconds: round3(first.cpu_seconds),
      calls_per_full_pass: first.calls,
      people_added: first.added,
      people_skipped: first.skipped,
      unchanged_pass_seconds: round3(unchanged.seconds),
      unchanged_pass_cpu_seconds: round3(unchanged.cpu_seconds),
      people_unchanged: unchanged.processed,
      ratio_to_partner_api: round3(first.seconds / partnerFirst.seconds),
      // This process's CPU (connector + engine + libSQL) is steadier than wall clock on a shared machine.
      cpu_ratio_to_partner_api_per_person: round3(
        first.cpu_seconds / Math.max(1, first.added) / (partnerFirst.cpu_seconds / Math.max(1, partnerFirst.added)),
      ),
      unchanged_ratio_to_partner_api: round3(unchanged.seconds / partnerUnchanged.seconds),
      // The partner's people are all members; a system's simulator has the same number of people, some of
      // whom its full listing leaves out (inactive, prospects): per person listed, for an even comparison.
      ratio_to_partner_api_per_person: round3(
        first.seconds / Math.max(1, first.added) / (partnerFirst.seconds / Math.max(1, partnerFirst.added)),
      ),
    };
  };
  const listingOnly = (rounds: Listing[]) => {
    const top = best(rounds);
    return {
      seconds: round3(top.seconds),
      calls: top.calls,
      people_listed: top.people,
      invalid_records: top.invalid,
      ratio_to_partner_api: round3(top.seconds / best(runs.partner).seconds),
      all_rounds_seconds: rounds.map((r) => round3(r.seconds)),
    };
  };
  const glofoxPass = fullPass("glofox");
  const glofoxFloorSeconds = Math.ceil(PEOPLE / GLOFOX_PAGE) * GLOFOX_CALL_SPACING_S;
  const figures = {
    measures:
      "full pass: the listing through each connector over HTTP (each system's simulator in its own process) and the engine applying it to a fresh libSQL database file (first pass: everyone added; unchanged pass: the common night); ratio_to_partner_api: the system's first full pass over the partner contract's (the better of two partner passes run first and last), target ≤ 1.5. listing_only: the listing alone, best of the rounds after a warm-up",
    people: PEOPLE,
    load_average_at_end: loadavg().map((l) => round3(l)),
    partner_api: {
      full_pass_seconds: round3(partnerFirst.seconds),
      full_pass_cpu_seconds: round3(partnerFirst.cpu_seconds),
      calls_per_full_pass: partnerFirst.calls,
      people_added: partnerFirst.added,
      unchanged_pass_seconds: round3(partnerUnchanged.seconds),
      unchanged_pass_cpu_seconds: round3(partnerUnchanged.cpu_seconds),
      all_full_pass_seconds: (passes.partner ?? []).map((run) => round3(run.first.seconds)),
      listing_only: listingOnly(runs.partner),
    },
    mindbody: {
      ...fullPass("mindbody"),
      calls_per_delta: delta.calls,
      delta_changed_people: delta.people + delta.removals,
      daily_call_quota: 1000,
      share_of_daily_quota_per_full_pass: round3(bestPass(passes.mindbody ?? [], "first").calls / 1000),
      calls_per_night_with_one_full_pass_and_96_deltas:
        bestPass(passes.mindbody ?? [], "first").calls + 96 * delta.calls,
      calls_counted_by_simulator_for_the_listing_rounds: mindbodyCallsToday,
      listing_only: listingOnly(runs.mindbody),
    },
    pushpress: {
      ...fullPass("pushpress"),
      calls_per_delta: null,
      delta_note: "PushPress has no modified-since filter: no deltas; webhooks carry changes",
      listing_only: listingOnly(runs.pushpress),
    },
    glofox: {
      ...glofoxPass,
      calls_per_delta: gfDelta.calls,
      delta_changed_people: gfDelta.people + gfDelta.removals,
      published_rate_floor_seconds: round3(glofoxFloorSeconds),
      ratio_of_rate_floor_to_partner_api: round3(glofoxFloorSeconds / partnerFirst.seconds),
      rate_note: `Glofox publishes about 10 requests/s and at most ${GLOFOX_PAGE} members a page: the connector spaces its calls ${GLOFOX_CALL_SPACING_S * 1000} ms apart, so a full listing of ${PEOPLE.toLocaleString("en")} people takes at least ${Math.ceil(PEOPLE / GLOFOX_PAGE)} calls × ${GLOFOX_CALL_SPACING_S} s = ${glofoxFloorSeconds.toFixed(1)} s whatever the machine (${(glofoxFloorSeconds / partnerFirst.seconds).toFixed(1)}× the partner contract's full pass here)${glofoxPass.ratio_to_partner_api > 1.5 ? ": it misses 1.5× for that reason alone" : ""}; pass time above that floor: ${(glofoxPass.full_pass_seconds - glofoxFloorSeconds).toFixed(1)} s`,
      ...(runs.glofox.length > 0 ? { listing_only: listingOnly(runs.glofox) } : {}),
    },
    abc_ignite: {
      ...fullPass("abc"),
      calls_per_delta: abcDelta.calls,
      delta_changed_people: abcDelta.people + abcDelta.removals,
      listing_only: listingOnly(runs.abc),
      poll_lag: pollLag && {
        ...pollLag,
        measures:
          "seconds from a change at the simulator to the 1-minute delta poll reading it (driven in this process by the domain's pollDue/beginPoll/endPoll and the connector's delta, the Worker's rules); the Worker's apply queue adds at most its 1 s batch timeout",
      },
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
