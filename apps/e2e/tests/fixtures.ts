import { test as base, expect, type Page } from "@playwright/test";

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

type SqlArg = string | number | null;
const protoValue = (value: SqlArg) =>
  value === null
    ? { type: "null" }
    : typeof value === "number"
      ? { type: "integer", value: String(Math.trunc(value)) }
      : { type: "text", value };

/** Runs one statement over the libSQL remote protocol (Hrana v2), the way the Worker talks to the database. */
export async function sqlExecute(sql: string, args: SqlArg[] = []) {
  const res = await fetch(`${DB_URL}/v2/pipeline`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      baton: null,
      requests: [{ type: "execute", stmt: { sql, args: args.map(protoValue) } }, { type: "close" }],
    }),
  });
  const body = (await res.json()) as { results: Array<{ type: string; error?: { message: string } }> };
  const first = body.results[0];
  if (!res.ok || first?.type !== "ok") throw new Error(`SQL failed: ${first?.error?.message ?? res.status}`);
}

/** The seeded demo (packages/devkit/src/seed.ts). */
export const DEMO_IDS = {
  organisationId: "org_demo",
  northside: "fac_northside",
  riverside: "fac_riverside",
  integrationId: "int_demo_partner",
  integrationName: "Demo Partner",
} as const;

/** A member synced from the demo partner into Northside, as the sync engine would write it. */
export async function insertSyncedUser(person: { firstName: string; lastName: string; email: string; externalId?: string }) {
  const id = `usr_e2e_${crypto.randomUUID().replaceAll("-", "")}`;
  const now = Date.now();
  await sqlExecute(
    `INSERT INTO access_user (id, facility_id, source, integration_id, external_id, first_name, last_name, email,
       mobile_phone, person_type, membership_status, last_synced_at, created_at, updated_at)
     VALUES (?, ?, 'integration', ?, ?, ?, ?, ?, '+447911123456', 'Member', 'Active', ?, ?, ?)`,
    [
      id,
      DEMO_IDS.northside,
      DEMO_IDS.integrationId,
      person.externalId ?? `ext-${id.slice(-8)}`,
      person.firstName,
      person.lastName,
      person.email,
      now,
      now,
      now,
    ],
  );
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
