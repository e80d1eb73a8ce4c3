#!/usr/bin/env node
// `npm run bench` and friends: install what is missing, then run a root task through pnpm.
import { ensureInstalled, run, toolEnv } from "./bootstrap.mjs";

const task = process.argv[2];
ensureInstalled();
// Each task is a list of pnpm invocations, run in order; all run (each bench writes its own figures) and
// the task exits with the first failure's status. An invocation may carry env defaults ({ args, env });
// the caller's own environment wins over them.
const tasks = {
  bench: [
    ["--filter", "@uas/engine", "bench"],
    ["--filter", "@uas/db", "bench:bulk-delete"],
    ["--filter", "@uas/db", "bench:users"],
    ["--filter", "@uas/db", "bench:import"],
  ],
  "bench:webhooks": [["--filter", "@uas/api", "bench:webhooks"]],
  // Native connectors' full passes and listings over HTTP beside the partner contract's, then their webhooks'
  // accept latency through the Worker's route, merged into the same file (.bench/connectors.json).
  "bench:connectors": [
    ["--filter", "@uas/connectors", "bench"],
    ["--filter", "@uas/api", "bench:connector-webhooks"],
  ],
  // The load bench (webhooks during a nightly pass) merges its load_* figures into the same file, the
  // night simulation its sim_* figures: the unchanged nights after the first sync of 200 facilities (issue 19).
  "bench:reliability": [
    ["--filter", "@uas/api", "bench:reliability"],
    ["--filter", "@uas/api", "bench:load"],
    { args: ["--filter", "@uas/api", "bench:night"], env: { SIM_FACILITIES: "200", SIM_NIGHTS: "3", SIM_CHURN: "0" } },
  ],
  "bench:night": [["--filter", "@uas/api", "bench:night"]],
  "bench:load": [["--filter", "@uas/api", "bench:load"]],
  // The door's check: p99 at 200 checks/s against 100,000 users on the local stack (.bench/access.json).
  "bench:access": [["--filter", "@uas/api", "bench:access"]],
  typecheck: [["exec", "turbo", "run", "typecheck"]],
  // One linter and formatter for the repository (ADR 0015).
  lint: [["exec", "biome", "ci", "--error-on-warnings", "."]],
  format: [["exec", "biome", "check", "--write", "."]],
};
if (!tasks[task]) {
  console.error(`unknown task ${task}; one of ${Object.keys(tasks).join(", ")}`);
  process.exit(2);
}
for (const step of tasks[task]) {
  const { args, env = {} } = Array.isArray(step) ? { args: step } : step;
  const status = run("pnpm", args, { env: { ...toolEnv(env), ...pickDefined(process.env, Object.keys(env)) } });
  if (status !== 0 && !process.exitCode) process.exitCode = status;
}

function pickDefined(source, keys) {
  return Object.fromEntries(
    keys.filter((key) => source[key] !== undefined && source[key] !== "").map((key) => [key, source[key]]),
  );
}
