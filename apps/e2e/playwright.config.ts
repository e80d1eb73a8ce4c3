import { defineConfig } from "@playwright/test";
import { tmpdir } from "node:os";
import { join } from "node:path";

// The browser tests drive the real stack (Worker under wrangler dev, libSQL file, demo partner,
// admin app) started fresh on its own ports, so they never touch the data of a running `npm start`.
// UAS_E2E_PORT_BASE lets two suites run side by side (each takes base … base+5).
const base = Number(process.env.UAS_E2E_PORT_BASE ?? 5273);
const ports = {
  web: base,
  api: base + 1,
  db: base + 2,
  partner: base + 3,
  mindbody: base + 4,
  pushpress: base + 5,
  glofox: base + 6,
  abcIgnite: base + 7,
};
// Set once in the runner and inherited by its workers, so the fixtures find the stack's dev.json and
// secrets.json (the database's bearer token, the key that seals webhook secrets).
process.env.UAS_E2E_DATA_DIR ??= join(tmpdir(), `uas-e2e-${process.pid}`);
const dataDir = process.env.UAS_E2E_DATA_DIR;

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [
    ["list"],
    ["json", { outputFile: "./test-results/results.json" }],
    ["html", { open: "never", outputFolder: "./playwright-report" }],
  ],
  use: {
    baseURL: `http://127.0.0.1:${ports.web}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  projects: [{ name: "desktop", use: { viewport: { width: 1280, height: 800 } } }],
  webServer: {
    command: "tsx ../../packages/devkit/src/start.ts",
    url: `http://127.0.0.1:${ports.web}`,
    timeout: 120_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    stdout: "pipe",
    env: {
      UAS_DATA_DIR: dataDir,
      UAS_FRESH: "1",
      UAS_CRON: "0",
      UAS_WEB_PORT: String(ports.web),
      UAS_API_PORT: String(ports.api),
      UAS_DB_PORT: String(ports.db),
      UAS_PARTNER_PORT: String(ports.partner),
      UAS_MINDBODY_PORT: String(ports.mindbody),
      UAS_PUSHPRESS_PORT: String(ports.pushpress),
      UAS_GLOFOX_PORT: String(ports.glofox),
      UAS_ABC_PORT: String(ports.abcIgnite),
      UAS_MAILBOX_PORT: "0",
    },
  },
});
