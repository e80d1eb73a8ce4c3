import type { Page } from "@playwright/test";
import { eq } from "drizzle-orm";
import { accessUser, facilityIntegration, integrationLocation, updateSyncSettings } from "@uas/db";
import { test, expect, signIn, createGrantedFacility, stackDb, uniqueName, screenshot, DEMO_IDS } from "./fixtures";

/**
 * A facility of its own, mirroring the demo partner's `loc-closed` location (a dozen members no other
 * spec syncs), with Integrations on: what one spec does to it no other spec sees.
 */
async function facilityMirroringClosedLocation() {
  const facility = await createGrantedFacility(uniqueName("Closed "));
  const db = stackDb();
  await db
    .insert(integrationLocation)
    .values({ integrationId: DEMO_IDS.integrationId, locationId: "loc-closed", facilityId: facility.id });
  await db
    .insert(facilityIntegration)
    .values({ facilityId: facility.id, integrationId: DEMO_IDS.integrationId, enabled: true });
  await updateSyncSettings(db, facility.id, { integrationsEnabled: true }, Date.now());
  return facility;
}

async function syncNow(page: Page) {
  const block = page.locator('[data-source="integration"]');
  await block.getByRole("button", { name: "Sync now: Integrations" }).click();
  await expect(block.getByText("Running…")).toBeVisible();
  await expect(block.getByText("Sync complete")).toBeVisible({ timeout: 30_000 });
}

const nav = (page: Page, name: string) =>
  page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name }).click();
const panel = (page: Page) => page.locator(".user-panel");
const rows = (page: Page) => page.locator(".users-table tbody tr");

test("sync leaves a decoupled user and a switched-off user alone, and Require identifier previews its effect before it applies", async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const facility = await facilityMirroringClosedLocation();
  await signIn(page);
  await page.getByRole("link", { name: facility.name }).click();
  await syncNow(page);

  await nav(page, "User Access");
  await expect(rows(page)).toHaveCount(12); // the 12 members at loc-closed
  const [decoupled, switchedOff] = await stackDb()
    .select({ id: accessUser.id, firstName: accessUser.firstName, lastName: accessUser.lastName })
    .from(accessUser)
    .where(eq(accessUser.facilityId, facility.id))
    .orderBy(accessUser.lastName, accessUser.firstName)
    .limit(2);

  // Decouple the first, and give them a name the source does not have.
  await rows(page).filter({ hasText: decoupled!.lastName }).first().getByRole("button").first().click();
  await panel(page).getByRole("switch", { name: "Track source updates" }).click();
  await panel(page).getByLabel("First name").fill("Kept");
  await panel(page).getByRole("button", { name: "Save details" }).click();
  await expect(page.getByText("Details saved")).toBeVisible();
  await page.keyboard.press("Escape");

  // Switch the second one's access off.
  await rows(page).filter({ hasText: switchedOff!.lastName }).first().getByRole("button").first().click();
  await panel(page).getByRole("switch", { name: "Access enabled" }).click();
  await expect(panel(page).getByText("Switched off by an admin.")).toBeVisible();
  await page.keyboard.press("Escape");

  await nav(page, "Sync settings");
  await syncNow(page);
  await page.getByRole("button", { name: "Sync activity & troubleshooting" }).click();
  await page.getByLabel("Search sync activity").fill("decoupled");
  await expect(page.locator(".activity-table tbody tr").first()).toContainText(
    "Record is decoupled and managed manually",
  );
  await screenshot(page, testInfo, "decoupled-skipped");

  const [kept] = await stackDb().select().from(accessUser).where(eq(accessUser.id, decoupled!.id));
  expect(kept).toMatchObject({ firstName: "Kept", trackSourceUpdates: false });
  const [off] = await stackDb().select().from(accessUser).where(eq(accessUser.id, switchedOff!.id));
  expect(off).toMatchObject({ accessEnabled: false, removedAtSourceAt: null });

  await nav(page, "User Access");
  await rows(page).filter({ hasText: switchedOff!.lastName }).first().getByRole("button").first().click();
  await expect(panel(page).getByRole("switch", { name: "Access enabled" })).not.toBeChecked();
  await expect(panel(page).getByText("Switched off by an admin.")).toBeVisible();
  await screenshot(page, testInfo, "access-stays-off");
  await page.keyboard.press("Escape");

  // Require identifier: a preview before saving, then the next pass applies it.
  await nav(page, "Sync settings");
  await page.getByRole("combobox", { name: "Require identifier" }).click();
  await page.getByRole("option", { name: "Both required" }).click();
  const preview = page.getByTestId("identifier-preview");
  await expect(preview).toContainText(/With “Both required”, the next pass would skip \d+ records/);
  await screenshot(page, testInfo, "require-identifier-preview");
  await preview.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("combobox", { name: "Require identifier" })).toContainText("Both required");

  await syncNow(page);
  await page.getByRole("button", { name: "Sync activity & troubleshooting" }).click();
  await page.getByLabel("Search sync activity").fill("both required");
  const skipped = page.locator(".activity-table tbody tr").first();
  await expect(skipped).toContainText("Skipped");
  await expect(skipped).toContainText("are both required by this facility");
  await screenshot(page, testInfo, "require-identifier-effect");
});
