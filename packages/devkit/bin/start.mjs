#!/usr/bin/env node
// `npm start`: install what is missing, then start the whole product (see packages/devkit/src/start.ts).
import { ensureInstalled, run, toolEnv } from "./bootstrap.mjs";

const launchedAt = Date.now();
ensureInstalled();
process.exitCode = run("pnpm", ["exec", "tsx", "packages/devkit/src/start.ts"], {
  env: toolEnv({ UAS_LAUNCHED_AT: String(launchedAt) }),
});
