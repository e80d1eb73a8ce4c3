import { accessGrant, accessLogEntry, accessUser, invitation, newId, type Db } from "@uas/db";
import type { Page, TestInfo } from "@playwright/test";
import { test, expect, signIn, stackDb } from "./fixtures";

// Riverside: the other specs use Northside, and nothing syncs Riverside unless a test asks.
const FACILITY = { id: "fac_riverside", name: "Riverside" };
const INTEGRATION = { id: "int_demo_partner", name: "Demo Partner" };
const WARNING =
  "This cannot be undone, and any admin customisations on those rows (grants, custom tags, notes) are lost. The users' access log history is kept.";
const STALE = "The users changed since the preview. Run the preview again.";

/** Users as a sync would have written them, each with a grant, an invitation and a door event. */
async function addUsers(db: Db, source: "integration" | "manual" | "cctv", n: number, label: string) {
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({
    id: newId("au"),
    facilityId: FACILITY.id,
    source,
    integrationId: source === "integration" ? INTEGRATION.id : null,
    externalId: source === "manual" ? null : `${label}-${String(i).padStart(3, "0")}`,
    firstName: label,
    lastName: `Person ${String(i).padStart(3, "0")}`,
    email: `${label.toLowerCase()}-${i}-${now}@example.com`,
    customTags: ["vip"],
    notes: "Locker 12",
    createdAt: now,
    updatedAt: now,
  }));
  await db.insert(accessUser).values(rows);
  await db
    .insert(accessGrant)
    .values(rows.map((row) => ({ id: newId("gr"), userId: row.id, name: "Pool", createdAt: now })));
  await db.insert(invitation).values(
    rows.map((row) => ({
      userId: row.id,
      facilityId: FACILITY.id,
      email: row.email,
      state: "sent" as const,
      trigger: "auto" as const,
      queuedAt: now,
    })),
  );
  await db.insert(accessLogEntry).values(
    rows.map((row) => ({
      facilityId: FACILITY.id,
      userId: row.id,
      personName: `${row.firstName} ${row.lastName}`,
      externalId: row.externalId,
      door: "Main entrance",
      result: "granted" as const,
      at: now,
    })),
  );
  return rows.map((row) => row.id);
}

/** Checks read the file with plain SQL, as an outside observer of the stack. */
async function count(db: Db, sql: string, args: Array<string | number> = []): Promise<number> {
  const result = await db.$client.execute({ sql: `SELECT count(*) AS n FROM ${sql}`, args });
  return Number(result.rows[0]?.n);
}

const inScope = (db: Db, integrationOnly: boolean) =>
  integrationOnly
    ? count(db, "access_user WHERE facility_id = ? AND source = 'integration' AND integration_id = ?", [
        FACILITY.id,
        INTEGRATION.id,
      ])
    : count(db, "access_user WHERE facility_id = ? AND source = 'integration'", [FACILITY.id]);

const placeholders = (ids: string[]) => ids.map(() => "?").join(", ");

/** Each step's screenshot is kept in the test's output folder and attached to the report. */
async function step(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: "image/png" });
}

async function openWizard(page: Page) {
  await signIn(page);
  await page.getByRole("link", { name: new RegExp(FACILITY.name) }).click();
  await expect(page.getByRole("heading", { name: /Sync settings/ })).toBeVisible();
  const section = page.getByTestId("bulk-delete-section");
  await expect(section.getByRole("heading", { name: "Bulk delete synced users" })).toBeVisible();
  await section.getByRole("button", { name: "Bulk delete…" }).click();
  const dialog = page.getByRole("dialog", { name: "Bulk delete synced users" });
  await expect(dialog).toBeVisible();
  return dialog;
}

test.describe.configure({ mode: "serial" });

test("bulk delete one integration: preview, a stale confirm sent back to preview, then delete exactly the set", async ({
  page,
}, testInfo) => {
  const db = stackDb();
  try {
    const label = `Bd${Date.now() % 100_000}`;
    const synced = await addUsers(db, "integration", 25, label);
    const kept = [...(await addUsers(db, "manual", 1, `${label}M`)), ...(await addUsers(db, "cctv", 1, `${label}C`))];

    const dialog = await openWizard(page);
    await step(page, testInfo, "1-scope");
    await dialog.getByRole("combobox", { name: "Integration" }).click();
    await page.getByRole("option", { name: INTEGRATION.name }).click();
    await expect(dialog.getByRole("radio", { name: "One integration" })).toBeChecked();
    const expected = await inScope(db, true);
    await dialog.getByRole("button", { name: "Preview" }).click();

    await expect(dialog.getByTestId("bulk-delete-count")).toHaveText(
      `${expected} users from ${INTEGRATION.name} will be deleted.`,
    );
    await expect(dialog.getByRole("list", { name: "Users to be deleted (sample)" }).getByRole("listitem")).toHaveCount(
      20,
    );
    await expect(dialog.getByText(`…and ${expected - 20} more.`)).toBeVisible();
    await expect(dialog.getByTestId("bulk-delete-warning")).toHaveText(WARNING);
    await expect(
      dialog.getByRole("checkbox", { name: "Also turn off syncing from this integration (recommended)" }),
    ).toBeChecked();
    const understood = dialog.getByRole("checkbox", {
      name: "I understand this is permanent and customisations will be lost",
    });
    await expect(understood).not.toBeChecked();
    await expect(dialog.getByRole("button", { name: `Delete ${expected}` })).toBeDisabled();
    await step(page, testInfo, "2-review");

    // A sync adds someone after the preview: the confirm must delete nobody and send the admin back.
    await addUsers(db, "integration", 1, `${label}Late`);
    await understood.check();
    await expect(dialog.getByRole("button", { name: `Delete ${expected}` })).toBeEnabled();
    await dialog.getByRole("button", { name: `Delete ${expected}` }).click();
    await expect(dialog.getByTestId("bulk-delete-stale")).toHaveText(STALE);
    await expect(dialog.getByRole("button", { name: "Preview" })).toBeVisible();
    expect(await inScope(db, true)).toBe(expected + 1);
    await step(page, testInfo, "3-stale");

    await dialog.getByRole("button", { name: "Preview" }).click();
    await expect(dialog.getByTestId("bulk-delete-count")).toHaveText(
      `${expected + 1} users from ${INTEGRATION.name} will be deleted.`,
    );
    await expect(
      dialog.getByRole("checkbox", { name: "Also turn off syncing from this integration (recommended)" }),
    ).toBeChecked();
    await expect(dialog.getByRole("button", { name: `Delete ${expected + 1}` })).toBeDisabled();
    await understood.check();
    await step(page, testInfo, "4-confirm");
    await dialog.getByRole("button", { name: `Delete ${expected + 1}` }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByText(`${expected + 1} users were deleted.`)).toBeVisible();
    await expect(page.getByRole("switch", { name: INTEGRATION.name })).not.toBeChecked();
    await step(page, testInfo, "5-done");

    expect(await inScope(db, true)).toBe(0);
    expect(await count(db, `access_user WHERE id IN (${placeholders(kept)})`, kept)).toBe(2);
    expect(await count(db, `access_grant WHERE user_id IN (${placeholders(synced)})`, synced)).toBe(0);
    expect(await count(db, `invitation WHERE user_id IN (${placeholders(synced)})`, synced)).toBe(0);
    const log = await db.$client.execute({
      sql: "SELECT user_id, external_id FROM access_log_entry WHERE person_name LIKE ? ORDER BY external_id",
      args: [`${label} Person %`],
    });
    expect(log.rows.map((row) => [row.user_id, row.external_id])).toEqual(
      Array.from({ length: 25 }, (_, i) => [null, `${label}-${String(i).padStart(3, "0")}`]),
    );
    expect(
      await count(db, "facility_integration WHERE facility_id = ? AND integration_id = ? AND enabled = 0", [
        FACILITY.id,
        INTEGRATION.id,
      ]),
    ).toBe(1);
    expect(
      await count(db, "audit_entry WHERE facility_id = ? AND action = 'bulk_delete_synced_users'", [FACILITY.id]),
    ).toBe(1);
  } finally {
    db.$client.close();
  }
});

test("bulk delete all integration-synced users with the turn-off ticked turns the Integrations source off", async ({
  page,
}, testInfo) => {
  const db = stackDb();
  try {
    await db.$client.execute({
      sql: "UPDATE sync_settings SET integrations_enabled = 1 WHERE facility_id = ?",
      args: [FACILITY.id],
    });
    const label = `All${Date.now() % 100_000}`;
    await addUsers(db, "integration", 3, label);
    const dialog = await openWizard(page);
    await expect(page.getByRole("switch", { name: "Enable Integrations" })).toBeChecked();
    await dialog.getByRole("radio", { name: "All integration-synced users" }).check();
    const expected = await inScope(db, false);
    await dialog.getByRole("button", { name: "Preview" }).click();
    await expect(dialog.getByTestId("bulk-delete-count")).toHaveText(
      `${expected} users from all integrations will be deleted.`,
    );
    await expect(dialog.getByRole("list", { name: "Users to be deleted (sample)" }).getByRole("listitem")).toHaveCount(
      Math.min(expected, 20),
    );
    await dialog
      .getByRole("checkbox", { name: "I understand this is permanent and customisations will be lost" })
      .check();
    await step(page, testInfo, "all-review");
    await dialog.getByRole("button", { name: `Delete ${expected}` }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByRole("switch", { name: "Enable Integrations" })).not.toBeChecked();
    await step(page, testInfo, "all-done");
    expect(await inScope(db, false)).toBe(0);
    expect(
      await count(db, "access_log_entry WHERE facility_id = ? AND person_name LIKE ? AND user_id IS NULL", [
        FACILITY.id,
        `${label} Person %`,
      ]),
    ).toBe(3);
  } finally {
    db.$client.close();
  }
});
