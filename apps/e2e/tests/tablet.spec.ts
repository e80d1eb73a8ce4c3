import { test, expect, signIn, insertSyncedUser, uniqueName, screenshot } from "./fixtures";

// The admin app on a tablet (iPad Air portrait): the list, the user panel and the Integrations page.
test.use({ viewport: { width: 820, height: 1180 } });

test("User Access, the user panel and Integrations fit a tablet", async ({ page }, testInfo) => {
  const lastName = uniqueName("Tablet");
  await insertSyncedUser({ firstName: "Tia", lastName, email: `${lastName.toLowerCase()}@example.com` });
  await signIn(page);
  await page.getByRole("link", { name: /Northside/ }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  await expect(page.getByRole("heading", { name: "User Access" })).toBeVisible();
  await expect(page.locator(".users-table tbody tr").first()).toBeVisible();
  const noHorizontalScroll = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  expect(await noHorizontalScroll()).toBe(true);
  await screenshot(page, testInfo, "tablet-user-access");
  await page.screenshot({ path: testInfo.outputPath("tablet-user-access.png"), fullPage: true });

  await page.getByLabel("Search users").fill(lastName);
  await page.getByRole("button", { name: `Tia ${lastName}` }).click();
  await expect(page.locator(".user-panel").getByRole("switch", { name: "Access enabled" })).toBeVisible();
  await screenshot(page, testInfo, "tablet-user-panel");
  await page.screenshot({ path: testInfo.outputPath("tablet-user-panel.png") });
  await page.keyboard.press("Escape");

  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Integrations" }).click();
  await expect(page.locator('[data-integration="Demo Partner"]')).toBeVisible();
  expect(await noHorizontalScroll()).toBe(true);
  await screenshot(page, testInfo, "tablet-integrations");
  await page.screenshot({ path: testInfo.outputPath("tablet-integrations.png"), fullPage: true });
});
