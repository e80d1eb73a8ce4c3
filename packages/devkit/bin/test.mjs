#!/usr/bin/env node
// `npm test`: install what is missing (pnpm, dependencies, Debian's chromium), then run every test:
// unit, database and Worker suites through turbo, then the browser suite against the real stack.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureInstalled, root, run, toolEnv } from "./bootstrap.mjs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Every workspace of pnpm-workspace.yaml (apps/*, packages/*): a new package's results are counted without
// anyone remembering to list it.
const WORKSPACES = ["apps", "packages"].flatMap((group) =>
  readdirSync(join(root, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, group, entry.name, "package.json")))
    .map((entry) => join(group, entry.name)),
);

function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  console.log("• installing Debian's chromium for the browser tests (apt-get)");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (args) =>
    run(sudo[0] ?? "apt-get", [...(sudo.length ? ["apt-get"] : []), ...args], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  if (apt(["update", "-qq"]) !== 0 || apt(["install", "-y", "-qq", "chromium"]) !== 0 || !existsSync(CHROMIUM)) {
    console.error(`✖ could not install chromium; install it (apt-get install chromium) or set CHROMIUM_PATH`);
    process.exit(1);
  }
}

function resultFiles() {
  return WORKSPACES.map((w) => join(root, w, "test-results", "results.json"));
}

/** Sums the JSON reports of vitest (jest format) and Playwright into one closing line. */
function summarise() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of resultFiles()) {
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, "utf8"));
    if (report.stats && "expected" in report.stats) {
      passed += report.stats.expected + report.stats.flaky;
      failed += report.stats.unexpected;
      skipped += report.stats.skipped;
    } else {
      passed += report.numPassedTests ?? 0;
      // A file whose setup (beforeAll) failed has no failed test of its own: count the file.
      const brokenFiles = (report.testResults ?? []).filter(
        (r) => r.status === "failed" && (r.assertionResults ?? []).every((a) => a.status !== "failed"),
      ).length;
      failed += (report.numFailedTests ?? 0) + brokenFiles;
      skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    }
  }
  return { passed, failed, skipped };
}

const installStarted = performance.now();
ensureInstalled();
ensureChromium();
const installSeconds = Math.round((performance.now() - installStarted) / 1000);
for (const file of resultFiles()) rmSync(file, { force: true });

const env = toolEnv({ CHROMIUM_PATH: CHROMIUM });
const phaseSeconds = [`install ${installSeconds} s`];
/** Runs one phase and keeps its wall time, so the closing lines say where the suite's minutes go. */
function phase(name, command, args) {
  const started = performance.now();
  const status = run(command, args, { env });
  phaseSeconds.push(`${name} ${Math.round((performance.now() - started) / 1000)} s`);
  return status;
}
// The linter and formatter first: it takes a second, and its findings fail the run like a failed test.
const lint = phase("lint", "pnpm", ["exec", "biome", "ci", "--error-on-warnings", "."]);
const unit = phase("unit, database and Worker suites", "pnpm", [
  "exec",
  "turbo",
  "run",
  "test",
  "--concurrency=2",
  "--log-order=grouped",
  "--",
  "--reporter=default",
  "--reporter=json",
  "--outputFile.json=test-results/results.json",
]);
const browser = phase("browser suite", "pnpm", ["--filter", "@uas/e2e", "test:e2e"]);

const { passed, failed, skipped } = summarise();
console.log(`\nTime: ${phaseSeconds.join(", ")}`);
console.log(`Total: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exitCode = lint !== 0 || unit !== 0 || browser !== 0 || failed > 0 ? 1 : 0;
