import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { randomBytes } from "node:crypto";
import { startLibsqlHttpServer } from "@uas/libsql-http";
import { newSecretsKey } from "@uas/db";
import { createNodeDb, migrateDb } from "@uas/db/node";
import { startDemoPartner } from "@uas/demo-partner";
import { startMailbox } from "@uas/mailbox";
import {
  startAbcIgniteSimulator,
  startGlofoxSimulator,
  startMindbodySimulator,
  startPushPressSimulator,
} from "@uas/simulators";

// The Worker under test talks to a real libSQL database over the same protocol as in production:
// a fresh, migrated file behind the local libSQL HTTP endpoint. Each test creates its own tenants.
// Every test database answers to one bearer token (the Worker's DATABASE_AUTH_TOKEN, as with Turso).
const databaseAuthToken = randomBytes(32).toString("base64url");

async function migratedFile(file: string) {
  const db = createNodeDb({ url: `file:${file}` });
  await migrateDb(db);
  db.$client.close();
}

/** Organisation databases beside the main test database (test/organisation-databases.test.ts, ADR 0021). */
const ORGANISATION_TEST_DATABASES = ["iso-a", "iso-b"] as const;

async function migratedDatabase(prefix: string, options: { organisationDatabases?: readonly string[] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, "test.db");
  await migratedFile(file);
  const databasesDir = join(dir, "orgs");
  mkdirSync(databasesDir);
  for (const name of options.organisationDatabases ?? []) await migratedFile(join(databasesDir, `${name}.db`));
  return startLibsqlHttpServer({ file, port: 0, unref: true, authToken: databaseAuthToken, databasesDir });
}

export default defineConfig(async () => {
  const server = await migratedDatabase("uas-api-test-", { organisationDatabases: ORGANISATION_TEST_DATABASES });
  // Databases of their own for the reliability files (fuzz, tenancy sweep, faults): the first two compare
  // whole-database fingerprints around each request, and the cron of the faults file sweeps every facility.
  const fuzzDb = await migratedDatabase("uas-api-fuzz-");
  const tenancyDb = await migratedDatabase("uas-api-tenancy-");
  const faultsDb = await migratedDatabase("uas-api-faults-");
  // Retention walks the whole activity table from its oldest id: test/retention.test.ts has its own.
  const retentionDb = await migratedDatabase("uas-api-retention-");
  // A real partner over HTTP for passes: 300 generated members, CCTV people for any facility asked.
  const partnerKey = "test-partner-key";
  const partner = await startDemoPartner({ port: 0, apiKey: partnerKey, unref: true });
  // A second partner only test/faults.test.ts uses: its faults are set over HTTP (`/control/faults`).
  const faultyPartner = await startDemoPartner({ port: 0, apiKey: partnerKey, unref: true });
  // The email provider: the local mailbox speaks Resend's API; tests read what was sent from it.
  const mailboxKey = "re_test_mailbox";
  const mailbox = await startMailbox({ port: 0, apiKey: mailboxKey, unref: true });
  // A partner with a dozen members, so the invitation tests send a handful of emails per pass.
  const smallPartner = await startDemoPartner({ port: 0, apiKey: partnerKey, memberCount: 12, unref: true });
  // Native member systems over HTTP (src/areas/integrations/native-integrations.test.ts): Mindbody site -99 with locations 1
  // and 2 and site 77 that has not granted access; a PushPress company.
  const simulatorControlKey = "test-simulator-control";
  const mindbody = await startMindbodySimulator({
    port: 0,
    unref: true,
    controlKey: simulatorControlKey,
    apiKeys: ["test-mindbody-key"],
    otherSiteIds: [77],
    clientCount: 40,
  });
  const pushpress = await startPushPressSimulator({
    port: 0,
    unref: true,
    controlKey: simulatorControlKey,
    apiKeys: ["test-pushpress-key"],
    customerCount: 40,
  });
  // Glofox (src/areas/integrations/glofox-webhooks.test.ts) and ABC Ignite (src/areas/polling/): small sets.
  const glofox = await startGlofoxSimulator({
    port: 0,
    unref: true,
    controlKey: simulatorControlKey,
    credentials: [{ apiKey: "test-glofox-key", apiToken: "test-glofox-token" }],
    memberCount: 30,
  });
  const abcIgnite = await startAbcIgniteSimulator({
    port: 0,
    unref: true,
    controlKey: simulatorControlKey,
    credentials: [{ appId: "test-abc-app", appKey: "test-abc-key" }],
    clubTimeZone: "America/Chicago",
    memberCount: 30,
  });
  // A partner whose second members page always fails: a listing read in LISTING_PAGE_SIZE pages reaches it,
  // one read in the default 1,000 does not (src/areas/passes/listing-tuning.test.ts).
  const secondPageFailsPartner = await startDemoPartner({
    port: 0,
    apiKey: partnerKey,
    unref: true,
    faults: { failPage: { page: 2, target: "members", status: 503 } },
  });

  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.jsonc" },
        miniflare: {
          bindings: {
            DATABASE_URL: server.url,
            DATABASE_AUTH_TOKEN: databaseAuthToken,
            ORGANISATION_DATABASE_URL: server.databaseUrl("{database}"),
            ORGANISATION_TEST_DATABASES: ORGANISATION_TEST_DATABASES.join(","),
            // Two keys, the second retired: tests seal with the first and can check that rotation re-seals.
            SECRETS_KEY: `${newSecretsKey("test2")},${newSecretsKey("test1")}`,
            AUTH_SECRET: "test-secret-test-secret-test-secret-0123",
            WEB_ORIGIN: "http://web.test",
            APP_ENV: "test",
            DEMO_PARTNER_URL: partner.url,
            DEMO_PARTNER_KEY: partnerKey,
            RESEND_API_URL: mailbox.url,
            RESEND_API_KEY: mailboxKey,
            SMALL_PARTNER_URL: smallPartner.url,
            MINDBODY_URL: mindbody.url,
            MINDBODY_KEY: "test-mindbody-key",
            PUSHPRESS_URL: pushpress.url,
            PUSHPRESS_KEY: "test-pushpress-key",
            PUSHPRESS_COMPANY_ID: pushpress.companyId,
            GLOFOX_URL: glofox.url,
            GLOFOX_BRANCH_ID: glofox.branchId,
            ABC_URL: abcIgnite.url,
            ABC_CLUB: abcIgnite.clubNumber,
            SIMULATOR_CONTROL_KEY: simulatorControlKey,
            SECOND_PAGE_FAILS_PARTNER_URL: secondPageFailsPartner.url,
            // One quick queue retry on a provider outage, then the row is recorded as failed.
            INVITATION_SEND_RETRIES: "1",
            INVITATION_RETRY_DELAY_SECONDS: "0",
            // Small pages and steps, so a 300-member pass crosses many queue messages.
            PASS_PAGES_PER_STEP: "2",
            LISTING_PAGE_SIZE: "40",
            LISTING_RETRY_DELAY_MS: "10",
            FUZZ_DATABASE_URL: fuzzDb.url,
            TENANCY_DATABASE_URL: tenancyDb.url,
            FAULTS_DATABASE_URL: faultsDb.url,
            RETENTION_DATABASE_URL: retentionDb.url,
            FAULTY_PARTNER_URL: faultyPartner.url,
            // Cases per fuzz property: small in `npm test`, ≥ 10,000 in `pnpm bench:reliability`.
            FUZZ_RUNS: process.env.FUZZ_RUNS ?? "",
          },
          // A low webhook rate per sender so the Worker test reaches 429 in a few requests
          // (wrangler.jsonc holds the production limit; each test uses its own sender).
          ratelimits: { WEBHOOK_RATE_LIMITER: { simple: { limit: 5, period: 60 } } },
        },
      }),
    ],
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      // One Worker runtime for every file: each file already makes its own tenants, and loading the Worker's
      // module graph again per file cost ~16 s a file (30 files, 2 cores: 497 s of 823 s was imports).
      isolate: false,
      testTimeout: 20_000,
      hookTimeout: 20_000,
    },
  };
});
