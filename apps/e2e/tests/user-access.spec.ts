import { test, expect, signIn, insertSyncedUser, uniqueName, screenshot } from "./fixtures";
import type { Page } from "@playwright/test";

async function openUserAccess(page: Page) {
  await signIn(page);
  await page.getByRole("link", { name: /Northside/ }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  await expect(page.getByRole("heading", { name: "User Access" })).toBeVisible();
}

async function search(page: Page, text: string) {
  await page.getByLabel("Search users").fill(text);
}

const panel = (page: Page) => page.locator(".user-panel");
const row = (page: Page, text: string) => page.locator(".users-table tbody tr").filter({ hasText: text });

test("create a manual user, see the server name an invalid field, then edit them", async ({ page }, testInfo) => {
  const lastName = uniqueName("Manual");
  await openUserAccess(page);
  await screenshot(page, testInfo, "user-access-list");

  await page.getByRole("button", { name: "Add user" }).click();
  const dialog = page.getByRole("dialog", { name: "Add a manual user" });
  await dialog.getByLabel("First name").fill("Maya");
  await dialog.getByLabel("Last name").fill(lastName);
  await dialog.getByLabel("Email").fill("maya-at-example");
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog.getByText("Enter a valid email address")).toBeVisible();
  await screenshot(page, testInfo, "create-user-invalid-email");

  await dialog.getByLabel("Email").fill(`${lastName.toLowerCase()}@example.com`);
  await dialog.getByLabel("Mobile phone").fill("07911 123456");
  await dialog.getByRole("button", { name: "Add user" }).click();
  await expect(dialog).toBeHidden();

  // The new user's panel opens: Manual source, access on, not invited, details editable.
  await expect(panel(page).getByText(`Maya ${lastName}`)).toBeVisible();
  await expect(panel(page).getByText("Manual", { exact: true })).toBeVisible();
  await expect(panel(page).getByText("Not invited")).toBeVisible();
  await expect(panel(page).getByLabel("Mobile phone")).toHaveValue("+447911123456");
  await screenshot(page, testInfo, "user-panel-manual");

  await panel(page).getByLabel("First name").fill("Mara");
  await panel(page).getByRole("button", { name: "Save details" }).click();
  await expect(page.getByText("Details saved")).toBeVisible();
  await panel(page).getByLabel("New grant").fill("Pool");
  await panel(page).getByRole("button", { name: "Add grant" }).click();
  await expect(panel(page).getByRole("button", { name: "Remove grant Pool" })).toBeVisible();
  await panel(page).getByLabel("Notes", { exact: true }).fill("Prefers the early sessions");
  await panel(page).getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Saved", { exact: true })).toBeVisible();

  await page.keyboard.press("Escape");
  await search(page, lastName);
  await expect(row(page, lastName)).toHaveCount(1);
  await expect(row(page, lastName)).toContainText(`Mara ${lastName}`);
  await expect(row(page, lastName)).toContainText("Manual");
  await expect(row(page, lastName)).toContainText("Access on");
  await screenshot(page, testInfo, "user-access-search");

  // Searching by the national phone format finds the stored E.164 number.
  await search(page, "07911 123456");
  await expect(row(page, lastName)).toHaveCount(1);
});

test("switch a user's access off and the Disabled badge says why", async ({ page }, testInfo) => {
  const lastName = uniqueName("Switch");
  await insertSyncedUser({ firstName: "Sol", lastName, email: `${lastName.toLowerCase()}@example.com` });
  await openUserAccess(page);
  await search(page, lastName);
  await expect(row(page, lastName)).toContainText("Demo Partner");
  await expect(row(page, lastName)).toContainText("Access on");
  await row(page, lastName)
    .getByRole("button", { name: `Sol ${lastName}` })
    .click();

  const accessSwitch = panel(page).getByRole("switch", { name: "Access enabled" });
  await expect(accessSwitch).toBeChecked();
  await accessSwitch.click();
  await expect(accessSwitch).not.toBeChecked();
  await expect(panel(page).getByText("Switched off by an admin.")).toBeVisible();
  await screenshot(page, testInfo, "user-panel-access-off");

  await page.keyboard.press("Escape");
  await expect(row(page, lastName)).toContainText("Disabled");
  await expect(row(page, lastName)).toContainText("Switched off by an admin");

  await page.getByRole("combobox", { name: "Access", exact: true }).click();
  await page.getByRole("option", { name: "Disabled", exact: true }).click();
  await expect(row(page, lastName)).toHaveCount(1);
  await screenshot(page, testInfo, "user-access-disabled-filter");
});

test("decouple a synced user, edit a synced field, and re-couple", async ({ page }, testInfo) => {
  const lastName = uniqueName("Coupled");
  await insertSyncedUser({ firstName: "Dara", lastName, email: `${lastName.toLowerCase()}@example.com` });
  await openUserAccess(page);
  await search(page, lastName);
  await row(page, lastName)
    .getByRole("button", { name: `Dara ${lastName}` })
    .click();

  const firstName = panel(page).getByLabel("First name");
  await expect(firstName).toHaveAttribute("readonly", "");
  await expect(panel(page).getByText("Updated by sync")).toBeVisible();
  await expect(panel(page).getByRole("button", { name: "Save details" })).toHaveCount(0);
  await screenshot(page, testInfo, "user-panel-coupled");

  const track = panel(page).getByRole("switch", { name: "Track source updates" });
  await expect(track).toBeChecked();
  await track.click();
  await expect(track).not.toBeChecked();
  await expect(firstName).not.toHaveAttribute("readonly", "");

  await firstName.fill("Darragh");
  await panel(page).getByLabel("Membership status").fill("Frozen");
  await panel(page).getByRole("button", { name: "Save details" }).click();
  await expect(page.getByText("Details saved")).toBeVisible();
  await expect(firstName).toHaveValue("Darragh");
  await screenshot(page, testInfo, "user-panel-decoupled");

  await page.keyboard.press("Escape");
  await expect(row(page, lastName)).toContainText(`Darragh ${lastName}`);
  await expect(row(page, lastName)).toContainText("Decoupled");

  await row(page, lastName)
    .getByRole("button", { name: `Darragh ${lastName}` })
    .click();
  await panel(page).getByRole("switch", { name: "Track source updates" }).click();
  await expect(panel(page).getByLabel("First name")).toHaveAttribute("readonly", "");
});
