// Dependency-free bootstrap shared by `npm start` and `npm test`: a fresh machine has only Node and npm.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const PNPM_VERSION = "10.34.9";
export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const toolsDir = join(root, ".tools");
const toolsBin = join(toolsDir, "node_modules", ".bin");

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function must(command, args, options) {
  const status = run(command, args, options);
  if (status !== 0) {
    console.error(`\n✖ ${command} ${args.join(" ")} failed (exit ${status})`);
    process.exit(status);
  }
}

/** The environment with the pinned pnpm (installed under .tools/) first on PATH; turbo needs it there. */
export function toolEnv(extra = {}) {
  return {
    ...process.env,
    PATH: `${toolsBin}:${join(root, "node_modules", ".bin")}:${process.env.PATH}`,
    WRANGLER_SEND_METRICS: "false",
    ...extra,
  };
}

export function ensureInstalled() {
  const pnpm = join(toolsBin, "pnpm");
  const current = existsSync(pnpm) ? spawnSync(pnpm, ["--version"], { encoding: "utf8" }).stdout?.trim() : "";
  if (current !== PNPM_VERSION) {
    console.log(`• installing pnpm ${PNPM_VERSION} into .tools/`);
    must("npm", [
      "install",
      "--prefix",
      toolsDir,
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `pnpm@${PNPM_VERSION}`,
    ]);
  }
  console.log("• installing dependencies (pnpm install --frozen-lockfile)");
  must("pnpm", ["install", "--frozen-lockfile", "--prefer-offline", "--silent"], { env: toolEnv() });
}
