/**
 * Frictions a new admin met on the activity detail, the user panel and the Integrations page (issue 17).
 */
import {
  test,
  expect,
  signIn,
  createGrantedFacility,
  insertSyncedUser,
  screenshot,
  stackDb,
  uniqueName,
  DEMO_IDS,
} from "./fixtures";
import { activityEntry } from "@uas/db";
import type { Page } from "@playwright/test";

const WEB_URL = `http://127.0.0.1:${Number(process.env.UAS_E2E_PORT_BASE ?? 5273)}`;

async function openFacility(page: Page, facilityName: string) {
  await signIn(page);
  await page.getByRole("link", { name: facilityName }).click();
  await expect(page.getByRole("heading", { name: /Sync settings/ })).toBeVisible();
}

/** A synced person whose last pass changed their last name and synced tags, as the engine records it. */
async function personWithChanges(facilityId: string) {
  const lastName = uniqueName("Changed");
  const externalId = `E2E-${lastName}`;
  const userId = await insertSyncedUser({
    firstName: "Cleo",
    lastName,
    email: `${lastName.toLowerCase()}@example.com`,
    externalId,
    facilityId,
  });
  await stackDb()
    .insert(activityEntry)
    .values({
      at: Date.now(),
      organisationId: DEMO_IDS.organisationId,
      facilityId,
      source: "integration",
      integrationId: DEMO_IDS.integrationId,
      externalId,
      name: `Cleo ${lastName}`,
      outcome: "updated",
      changes: [
        { field: "lastName", from: "Old", to: lastName },
        { field: "syncedTags", from: [], to: ["gold"] },
      ],
      userId,
    });
  return { userId, name: `Cleo ${lastName}`, externalId };
}

test("changed fields are named as on the help page: activity detail, user panel and CSV export (4)", async ({
  page,
}, testInfo) => {
  const facility = await createGrantedFacility(uniqueName("Fields "));
  const person = await personWithChanges(facility.id);
  await openFacility(page, facility.name);

  await page.getByRole("button", { name: "Sync activity & troubleshooting" }).click();
  await page.locator(".activity-table tbody tr").filter({ hasText: person.name }).click();
  const detail = page.getByRole("dialog", { name: "Sync activity detail" });
  const changes = detail.locator(".changes");
  await expect(changes).toContainText("Last name");
  await expect(changes).toContainText("Synced tags");
  await expect(changes).not.toContainText("lastName");
  await expect(changes).not.toContainText("syncedTags");
  await screenshot(page, testInfo, "activity-detail-fields");
  await page.keyboard.press("Escape");

  // The CSV export, fetched with the admin's session.
  const csv = await page.evaluate(
    async (url) => (await fetch(url)).text(),
    `/api/facilities/${facility.id}/activity.csv`,
  );
  const [header, ...lines] = csv.trim().split("\r\n");
  expect(header).toBe("Time,Outcome,Name,External ID,Source,Reason,Changed fields,Pass ID,Webhook ID,User ID,Entry ID");
  const line = lines.find((l) => l.includes(person.externalId))!;
  expect(line).toContain("Last name: Old →");
  expect(line).toContain("Synced tags:");
  expect(line).not.toContain("lastName");

  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  await page.getByRole("button", { name: person.name }).click();
  const panel = page.locator(".user-panel");
  const history = panel.locator(".person-activity");
  await expect(history).toContainText("Last name, Synced tags");
  await expect(history).not.toContainText("lastName");
});

test("the Decoupled from the source toast leaves the person's name in view (8)", async ({ page }, testInfo) => {
  const facility = await createGrantedFacility(uniqueName("Decouple "));
  const lastName = uniqueName("Toast");
  await insertSyncedUser({
    firstName: "Dana",
    lastName,
    email: `${lastName.toLowerCase()}@example.com`,
    facilityId: facility.id,
  });
  await openFacility(page, facility.name);
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  await page.getByRole("button", { name: `Dana ${lastName}` }).click();

  const panel = page.locator(".user-panel");
  const title = panel.locator(".p-drawer-header").getByText(`Dana ${lastName}`);
  await expect(title).toBeVisible();
  await panel.getByRole("switch", { name: "Track source updates" }).click();
  const toast = page.locator(".p-toast-message").filter({ hasText: "Decoupled from the source" });
  await expect(toast).toBeVisible();
  await screenshot(page, testInfo, "decoupled-toast");

  const a = (await toast.boundingBox())!;
  const b = (await title.boundingBox())!;
  const overlap = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  expect(overlap).toBe(false);
});

test("small ones: Auto-send on its own line with its text, plain bulk wording, unnamed entries show their id, a favicon (10)", async ({
  page,
}, testInfo) => {
  const facility = await createGrantedFacility(uniqueName("Small "));
  const externalId = `E2E-${uniqueName("nameless")}`;
  await stackDb().insert(activityEntry).values({
    at: Date.now(),
    organisationId: DEMO_IDS.organisationId,
    facilityId: facility.id,
    source: "integration",
    integrationId: DEMO_IDS.integrationId,
    externalId,
    name: "",
    outcome: "skipped",
    reason: "No matching User Access record",
  });
  await openFacility(page, facility.name);

  // The switch sits on the same line as its name, the description under it.
  const toggle = page.getByRole("switch", { name: /Auto-send app invitations/ });
  const label = page.getByText("Auto-send app invitations", { exact: true });
  const [t, l] = [(await toggle.boundingBox())!, (await label.boundingBox())!];
  expect(Math.abs(t.y + t.height / 2 - (l.y + l.height / 2))).toBeLessThan(8);
  await expect(page.getByText("Opens the bulk invitation dialog")).toHaveCount(0);
  await screenshot(page, testInfo, "invitations-card");

  await page.getByRole("button", { name: "Sync activity & troubleshooting" }).click();
  const row = page.locator(".activity-table tbody tr").filter({ hasText: "No matching User Access record" });
  await expect(row.locator("td").nth(2)).toHaveText(externalId);

  await expect(page.locator('link[rel="icon"]')).toHaveCount(1);
  const href = await page.locator('link[rel="icon"]').getAttribute("href");
  const icon = await fetch(new URL(href!, WEB_URL));
  expect(icon.status).toBe(200);
  expect(icon.headers.get("content-type")).toContain("image/svg+xml");
});

test("the Integrations page has a facility picker for its facility tabs (10)", async ({ page }, testInfo) => {
  await signIn(page);
  await page.getByRole("link", { name: /Northside/ }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Integrations" }).click();
  await expect(page.getByRole("heading", { name: "Integrations" })).toBeVisible();

  // Once the list is in: the page growing a scrollbar closes an open select (PrimeVue hides overlays on resize).
  await expect(page.locator('[data-integration="Demo Partner"]')).toBeVisible();
  const picker = page.getByRole("combobox", { name: "Facility" });
  await expect(picker).toContainText("Northside");
  await picker.click();
  await page.getByRole("option", { name: "Riverside" }).click();
  await expect(picker).toContainText("Riverside");
  const tabs = page.getByRole("navigation", { name: "Settings" });
  await expect(tabs.getByRole("link", { name: "Sync settings" })).toHaveAttribute(
    "href",
    `/facilities/${DEMO_IDS.riverside}/sync`,
  );
  await expect(page.getByRole("heading", { name: "Integrations" })).toBeVisible();
  await screenshot(page, testInfo, "integrations-picker");
});
