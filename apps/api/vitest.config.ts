import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { startLibsqlHttpServer } from "@uas/libsql-http";
import { createNodeDb, migrateDb } from "@uas/db/node";
import { startDemoPartner } from "@uas/demo-partner";

// The Worker under test talks to a real libSQL database over the same protocol as in production:
// a fresh, migrated file behind the local libSQL HTTP endpoint. Each test creates its own tenants.
export default defineConfig(async () => {
  const file = join(mkdtempSync(join(tmpdir(), "uas-api-test-")), "test.db");
  const db = createNodeDb({ url: `file:${file}` });
  await migrateDb(db);
  db.$client.close();
  const server = await startLibsqlHttpServer({ file, port: 0, unref: true });
  // A real partner over HTTP for passes: 300 generated members, CCTV people for any facility asked.
  const partnerKey = "test-partner-key";
  const partner = await startDemoPartner({ port: 0, apiKey: partnerKey, unref: true });

  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          bindings: {
            DATABASE_URL: server.url,
            AUTH_SECRET: "test-secret-test-secret-test-secret-0123",
            WEB_ORIGIN: "http://web.test",
            APP_ENV: "test",
            DEMO_PARTNER_URL: partner.url,
            DEMO_PARTNER_KEY: partnerKey,
            // Small pages and steps, so a 300-member pass crosses many queue messages.
            PASS_PAGES_PER_STEP: "2",
            LISTING_PAGE_SIZE: "40",
            LISTING_RETRY_DELAY_MS: "10",
          },
          // A low webhook rate per sender so the Worker test reaches 429 in a few requests
          // (wrangler.jsonc holds the production limit; each test uses its own sender).
          ratelimits: { WEBHOOK_RATE_LIMITER: { simple: { limit: 5, period: 60 } } },
        },
      }),
    ],
    test: { include: ["test/**/*.test.ts"], testTimeout: 20_000, hookTimeout: 20_000 },
  };
});
