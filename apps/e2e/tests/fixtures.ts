import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test as base, expect, type Page } from "@playwright/test";
import { and, eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import {
  accessUser,
  activityEntry,
  createDb,
  createSecretBox,
  facilityIntegration,
  grantFacilities,
  insertCctvSource,
  provisionFacility,
  integration,
  integrationLocation,
  newId,
  newWebhookSecret,
  updateSyncSettings,
  webhookInbox,
  type Db,
  type SyncSettingsPatch,
} from "@uas/db";

export const DEMO_ADMIN = { email: "admin@demo.fitness", password: "demo-admin-2026" };

/** The demo's second organisation's admin (packages/devkit/src/seed.ts HARBOUR): its data is in its own database. */
export const HARBOUR_ADMIN = { email: "admin@harbour.climbing", password: "harbour-admin-2026" };

export async function signIn(page: Page) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(DEMO_ADMIN.email);
  await page.getByLabel("Password").fill(DEMO_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Choose a facility" })).toBeVisible();
}

export const test = base;
export { expect };

// ---- Direct database access for test setup (rows the UI cannot create, e.g. synced users) ----

/** The stack's libSQL HTTP endpoint: the db port of playwright.config.ts (UAS_E2E_PORT_BASE + 2). */
export const DB_URL = `http://127.0.0.1:${Number(process.env.UAS_E2E_PORT_BASE ?? 5273) + 2}`;

/** What the stack's devkit generated for this run (playwright.config.ts sets UAS_E2E_DATA_DIR). */
function stackSecrets(): { databaseAuthToken: string; secretsKey: string } {
  const dataDir = process.env.UAS_E2E_DATA_DIR;
  if (!dataDir) throw new Error("UAS_E2E_DATA_DIR is not set: run the specs through playwright.config.ts");
  return JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8"));
}

/**
 * The demo organisation's database over the libSQL remote protocol, the way the Worker reaches it (with its
 * bearer token): its own database on the stack's endpoint (ADR 0021).
 */
export const stackDb = (): Db => organisationDb(DEMO_DATABASE_NAME);

/** An organisation's own database on the stack's endpoint, by its name in the catalog. */
export const organisationDb = (databaseName: string): Db =>
  createDb({ url: `${DB_URL}/db/${databaseName}/`, authToken: stackSecrets().databaseAuthToken });

/** The catalog: admins, grants, facilities, the directory of organisations' databases. */
export const catalogDb = (): Db => createDb({ url: DB_URL, authToken: stackSecrets().databaseAuthToken });

/** packages/devkit/src/seed.ts's DEMO.databaseName. */
const DEMO_DATABASE_NAME = "org-demo";

/** Seals and opens secrets as the stack stores them (API keys, webhook secrets). */
export const stackSecretBox = () => createSecretBox(stackSecrets().secretsKey);

/** The seeded demo (packages/devkit/src/seed.ts). */
export const DEMO_IDS = {
  organisationId: "org_demo",
  northside: "fac_northside",
  riverside: "fac_riverside",
  integrationId: "int_demo_partner",
  integrationName: "Demo Partner",
} as const;

/** A member synced from the demo partner into Northside, as the sync engine would write it. */
export async function insertSyncedUser(person: {
  firstName: string;
  lastName: string;
  email: string;
  externalId?: string;
  facilityId?: string;
}) {
  const id = newId("usr_e2e");
  const now = Date.now();
  await stackDb()
    .insert(accessUser)
    .values({
      id,
      facilityId: person.facilityId ?? DEMO_IDS.northside,
      source: "integration",
      integrationId: DEMO_IDS.integrationId,
      externalId: person.externalId ?? `ext-${id.slice(-8)}`,
      firstName: person.firstName,
      lastName: person.lastName,
      email: person.email,
      mobilePhone: "+447911123456",
      personType: "Member",
      membershipStatus: "Active",
      lastSyncedAt: now,
      createdAt: now,
      updatedAt: now,
    });
  return id;
}

/** A name unique to this run, so specs never depend on each other's rows. */
export const uniqueName = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 7)}`;

/** Attaches a full-page screenshot to the test's report (kept for every screen a spec visits). */
export async function screenshot(page: Page, testInfo: import("@playwright/test").TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

/** A new facility of the demo organisation, granted to the demo admin: a spec that needs "Never run" gets its own. */
export async function createGrantedFacility(name: string) {
  const catalog = catalogDb();
  const facility = await provisionFacility(
    { catalog, organisation: stackDb() },
    { id: newId("fac"), organisationId: DEMO_IDS.organisationId, name, timeZone: "Europe/London", countryCode: "GB" },
    Date.now(),
  );
  await grantFacilities(catalog, "usr_demo_admin", [facility.id]);
  return facility;
}

// ---- Signed webhooks against the stack's Worker (wrangler dev), as a partner sends them ----

/** The stack's Worker under `wrangler dev`: the api port of playwright.config.ts (UAS_E2E_PORT_BASE + 1). */
export const API_URL = `http://127.0.0.1:${Number(process.env.UAS_E2E_PORT_BASE ?? 5273) + 1}`;

/** Turns sources on (or off) for a facility, as Settings → Sync settings would. */
export async function setSyncSettings(facilityId: string, patch: SyncSettingsPatch) {
  await updateSyncSettings(stackDb(), facilityId, patch, Date.now());
}

/** The integration's current webhook secret (`whsec_…`), read at call time: a spec may have rotated it. */
export async function integrationWebhookSecret(integrationId: string = DEMO_IDS.integrationId) {
  const [row] = await stackDb()
    .select({ secret: integration.webhookSecret })
    .from(integration)
    .where(eq(integration.id, integrationId));
  if (!row) throw new Error(`integration ${integrationId} is not in the stack's database`);
  return (await stackSecretBox()).open(row.secret);
}

/**
 * Maps one more partner location id of an integration to a facility (the integration's location map), as
 * the Integrations page does: a facility newly on the map mirrors the integration (its choice row under
 * "Sync from these integrations" is on; one the admin turned off stays off). Returns the undo of the map,
 * so a spec leaves the seeded map as it found it (the choice stays, as in the product).
 */
export async function mapIntegrationLocation(input: {
  locationId: string;
  facilityId: string;
  integrationId?: string;
}) {
  const integrationId = input.integrationId ?? DEMO_IDS.integrationId;
  await stackDb()
    .insert(integrationLocation)
    .values({ integrationId, locationId: input.locationId, facilityId: input.facilityId });
  await stackDb()
    .insert(facilityIntegration)
    .values({ facilityId: input.facilityId, integrationId, enabled: true })
    .onConflictDoNothing();
  return async () => {
    await stackDb()
      .delete(integrationLocation)
      .where(
        and(eq(integrationLocation.integrationId, integrationId), eq(integrationLocation.locationId, input.locationId)),
      );
  };
}

/** A CCTV/Computer Vision source for a facility (the seed has one for Northside only); returns its webhook secret. */
export async function createCctvSource(facilityId: string) {
  const box = await stackSecretBox();
  const webhookSecret = newWebhookSecret();
  await insertCctvSource(
    stackDb(),
    {
      facilityId,
      baseUrl: "https://cctv.example/api",
      apiKey: await box.seal("sk_test_e2e_cctv_0123456789"),
      webhookSecret: await box.seal(webhookSecret),
    },
    Date.now(),
  );
  return webhookSecret;
}

export type SignedDelivery = {
  /** Full URL, or a path on the Worker such as `/webhooks/integrations/int_demo_partner`. */
  url: string;
  /** The `whsec_…` secret the sender signs with (the `standardwebhooks` library's `new Webhook(secret)`). */
  secret: string;
  webhookId: string;
  /** The raw body: signed and sent byte for byte. */
  body: string;
  /** The signed `webhook-timestamp`; now by default. */
  timestamp?: Date;
};

/** Signs a delivery with the `standardwebhooks` library and POSTs it; returns the status and the parsed JSON answer. */
export async function sendSignedWebhook(delivery: SignedDelivery) {
  const timestamp = delivery.timestamp ?? new Date();
  const signature = new Webhook(delivery.secret).sign(delivery.webhookId, timestamp, delivery.body);
  const url = delivery.url.startsWith("http") ? delivery.url : `${API_URL}${delivery.url}`;
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": delivery.webhookId,
      "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
      "webhook-signature": signature,
    },
    body: delivery.body,
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = { unparsed: text };
  }
  return { status: response.status, headers: response.headers, json: json as Record<string, unknown> };
}

/** The activity entries written for one webhook id (the sync engine stamps each with it). */
export async function activityOfWebhook(webhookId: string) {
  return stackDb().select().from(activityEntry).where(eq(activityEntry.webhookId, webhookId));
}

/** The inbox rows stored for one webhook id (a refused request must leave none). */
export async function inboxRowsOfWebhook(webhookId: string) {
  return stackDb().select().from(webhookInbox).where(eq(webhookInbox.webhookId, webhookId));
}

/** The User Access rows a source holds for one person id. */
export async function accessUsersOfSource(input: {
  externalId: string;
  source: "integration" | "cctv";
  facilityId?: string;
}) {
  return stackDb()
    .select()
    .from(accessUser)
    .where(
      and(
        eq(accessUser.externalId, input.externalId),
        eq(accessUser.source, input.source),
        input.facilityId ? eq(accessUser.facilityId, input.facilityId) : undefined,
      ),
    );
}
