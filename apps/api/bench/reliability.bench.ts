/**
 * `pnpm bench:reliability`: the bad-input fuzz at ≥ 10,000 cases and the tenancy sweep, run as the Worker
 * tests they are (test/fuzz.test.ts, test/tenancy.test.ts) with FUZZ_RUNS set. Each file prints one
 * `RELIABILITY_FIGURES {…}` line; this merges them into `<repo>/.bench/reliability.json` (other keys in the
 * file, from other benches, are kept) and prints them. Exits non-zero when a test failed.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MARKER = "RELIABILITY_FIGURES ";
const apiDir = fileURLToPath(new URL("..", import.meta.url));
const repoRoot = join(apiDir, "..", "..");
const outFile = join(repoRoot, ".bench", "reliability.json");
/** Cases per fuzz property (webhooks, tRPC mutations): 5,000 each is 10,000 in all. */
const runsPerProperty = Number(process.env.BENCH_FUZZ_RUNS ?? 5000);

const started = Date.now();
const { code, output } = await runVitest(["test/fuzz.test.ts", "test/tenancy.test.ts"], {
  FUZZ_RUNS: String(runsPerProperty),
});
const seconds = Math.round((Date.now() - started) / 100) / 10;

const figures: Record<string, number | string> = {};
// eslint-disable-next-line no-control-regex
for (const line of output.replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
  const at = line.indexOf(MARKER);
  if (at >= 0) Object.assign(figures, JSON.parse(line.slice(at + MARKER.length)) as Record<string, number>);
}
const required = ["fuzz_cases", "fuzz_5xx", "fuzz_db_changes", "tenancy_procedures_checked", "tenancy_leaks"];
const missing = required.filter((key) => !(key in figures));
figures.reliability_tests_passed = code === 0 ? "yes" : "no";
figures.reliability_seconds = seconds;
figures.reliability_measured_at = new Date().toISOString();

const existing = existsSync(outFile) ? (JSON.parse(readFileSync(outFile, "utf8")) as Record<string, unknown>) : {};
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify({ ...existing, ...figures }, null, 2)}\n`);

console.log(`\nreliability figures (${outFile}):`);
for (const [key, value] of Object.entries(figures)) console.log(`  ${key.padEnd(28)} ${value}`);
if (missing.length > 0) console.error(`missing figures: ${missing.join(", ")} (a test file did not finish)`);
const ok = code === 0 && missing.length === 0 && Number(figures.fuzz_cases) >= 2 * runsPerProperty;
if (!ok) {
  console.error("bench:reliability FAILED: see the test output above");
  process.exitCode = 1;
}

function runVitest(files: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(apiDir, "node_modules", ".bin", "vitest"), ["run", "--configLoader", "runner", ...files], {
      cwd: apiDir,
      env: { ...process.env, ...env, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ code: status ?? 1, output }));
  });
}
