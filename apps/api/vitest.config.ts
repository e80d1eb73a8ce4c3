import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { startLibsqlHttpServer } from "@uas/libsql-http";
import { createNodeDb, migrateDb } from "@uas/db/node";

// The Worker under test talks to a real libSQL database over the same protocol as in production:
// a fresh, migrated file behind the local libSQL HTTP endpoint. Each test creates its own tenants.
export default defineConfig(async () => {
  const file = join(mkdtempSync(join(tmpdir(), "uas-api-test-")), "test.db");
  const db = createNodeDb({ url: `file:${file}` });
  await migrateDb(db);
  db.$client.close();
  const server = await startLibsqlHttpServer({ file, port: 0, unref: true });

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
          },
        },
      }),
    ],
    test: { include: ["test/**/*.test.ts"], testTimeout: 20_000, hookTimeout: 20_000 },
  };
});
