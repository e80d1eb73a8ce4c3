#!/usr/bin/env node
// `npm run bench` and friends: install what is missing, then run a root task through pnpm.
import { ensureInstalled, run, toolEnv } from "./bootstrap.mjs";

const task = process.argv[2];
ensureInstalled();
// Each task is a list of pnpm invocations, run in order; the first failure stops it.
const tasks = {
  bench: [
    ["--filter", "@uas/db", "bench"],
    ["--filter", "@uas/db", "bench:bulk-delete"],
    ["--filter", "@uas/db", "bench:users"],
    ["--filter", "@uas/db", "bench:import"],
  ],
  "bench:webhooks": [["--filter", "@uas/api", "bench:webhooks"]],
  // The load bench (webhooks during a nightly pass) merges its load_* figures into the same file.
  "bench:reliability": [
    ["--filter", "@uas/api", "bench:reliability"],
    ["--filter", "@uas/api", "bench:load"],
  ],
  "bench:load": [["--filter", "@uas/api", "bench:load"]],
  typecheck: [["exec", "turbo", "run", "typecheck"]],
};
if (!tasks[task]) {
  console.error(`unknown task ${task}; one of ${Object.keys(tasks).join(", ")}`);
  process.exit(2);
}
for (const args of tasks[task]) {
  const status = run("pnpm", args, { env: toolEnv() });
  if (status !== 0) {
    process.exitCode = status;
    break;
  }
}
