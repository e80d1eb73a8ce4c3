/**
 * Sync engine benchmark: `cd packages/db && npx tsx bench/engine.bench.ts` (add `--activity` for the
 * 1,000,000-entry activity list/search measurement). Each size runs in its own child process so peak
 * RSS is per size. Writes <repo root>/.bench/engine.json (and .bench/activity.json with --activity).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runChild } from "./engine-child";

const MEMBERS = 100_000;
const SMALL = 10_000;

type ChildResult = Record<string, number>;

function metric(result: ChildResult, name: string): number {
  const value = result[name];
  if (value === undefined) throw new Error(`bench child did not report ${name}`);
  return value;
}

function child(mode: string, size: number): ChildResult {
  const script = fileURLToPath(import.meta.url);
  // Each size runs in its own process with V8's old space capped at a Worker isolate's 128 MB: the
  // engine must fit there, and the cap keeps V8 from growing its heap just because it may.
  const heapCap = mode === "passes" ? ["--max-old-space-size=128"] : [];
  const run = spawnSync(process.execPath, [...process.execArgv, ...heapCap, script, "--child", mode, String(size)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`bench child ${mode} ${size} failed (${run.status})`);
  const line = run.stdout.trim().split("\n").pop() ?? "{}";
  return JSON.parse(line) as ChildResult;
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    const result = await runChild(args[1] ?? "", Number(args[2]));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const raw = child("raw", MEMBERS);
  const small = child("passes", SMALL);
  const large = child("passes", MEMBERS);
  const report = {
    members: MEMBERS,
    raw_upsert_s: metric(raw, "seconds"),
    first_pass_s: metric(large, "first"),
    unchanged_pass_s: metric(large, "unchanged"),
    changed_pass_s: metric(large, "changed"),
    peak_rss_mb_10k: metric(small, "peakRssMb"),
    peak_rss_mb_100k: metric(large, "peakRssMb"),
  };
  const rows: [string, string, string][] = [
    ["raw upsert (libsql, 1 tx)", fmt(report.raw_upsert_s), "floor"],
    ["first pass (all Added)", fmt(report.first_pass_s), `≤ ${fmt(5 * report.raw_upsert_s)} (5 × raw)`],
    ["unchanged pass (all Processed)", fmt(report.unchanged_pass_s), "≤ 3 s"],
    ["10% changed, 1% removed", fmt(report.changed_pass_s), "≤ 4 s"],
    ["peak RSS 10k", `${report.peak_rss_mb_10k} MB`, ""],
    ["peak RSS 100k", `${report.peak_rss_mb_100k} MB`, `≤ ${Math.round(1.3 * report.peak_rss_mb_10k)} MB (1.3 × 10k)`],
    [
      "10k passes first/unchanged/changed",
      `${fmt(small.first ?? 0)} / ${fmt(small.unchanged ?? 0)} / ${fmt(small.changed ?? 0)}`,
      "",
    ],
    [
      "CPU: raw / first / unchanged / changed",
      [raw.cpu, large.firstCpu, large.unchangedCpu, large.changedCpu].map((s) => fmt(s ?? 0)).join(" / "),
      "(wall clock is shared with others)",
    ],
  ];
  let activity: ChildResult | null = null;
  if (args.includes("--activity")) {
    activity = child("activity", 1_000_000);
    rows.push(
      ["activity: page p95 (1M entries)", `${activity.pageP95Ms} ms`, "≤ 100 ms"],
      ["activity: outcome filter p95", `${activity.outcomeFilterP95Ms} ms`, "≤ 100 ms"],
      ["activity: search p95 (1M entries)", `${activity.searchP95Ms} ms`, "≤ 100 ms"],
    );
  }
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\nSync engine, ${MEMBERS.toLocaleString("en")} members, embedded libSQL file\n`);
  for (const [name, value, target] of rows) console.log(`${name.padEnd(width)}  ${value.padStart(12)}  ${target}`);
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  mkdirSync(`${root}.bench`, { recursive: true });
  writeFileSync(`${root}.bench/engine.json`, `${JSON.stringify(report, null, 2)}\n`);
  if (activity) writeFileSync(`${root}.bench/activity.json`, `${JSON.stringify(activity, null, 2)}\n`);
  console.log(`\nwrote ${root}.bench/engine.json${activity ? " and activity.json" : ""}`);
}

function fmt(seconds: number): string {
  return `${seconds.toFixed(2)} s`;
}

await main();
