import { test as base, expect, type Page } from "@playwright/test";
import { accessUser, createDb, grantFacilities, insertFacility, newId, type Db } from "@uas/db";

export const DEMO_ADMIN = { email: "admin@demo.fitness", password: "demo-admin-2026" };

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

/** The stack's database over the libSQL remote protocol, the way the Worker reaches it. */
export const stackDb = (): Db => createDb({ url: DB_URL });

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
  const db = stackDb();
  const facility = await insertFacility(
    db,
    { organisationId: DEMO_IDS.organisationId, name, timeZone: "Europe/London", countryCode: "GB" },
    Date.now(),
  );
  await grantFacilities(db, "usr_demo_admin", [facility.id]);
  return facility;
}
