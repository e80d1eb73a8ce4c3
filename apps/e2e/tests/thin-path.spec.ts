import { test, expect, signIn, createGrantedFacility, uniqueName } from "./fixtures";

test("sign in, pick a facility, turn Integrations on, and it stays on after a reload", async ({ page }, testInfo) => {
  // A facility of its own: other specs sync Northside, and this one checks a facility that never ran.
  const facility = await createGrantedFacility(uniqueName("Thin path "));
  await signIn(page);
  await page.getByRole("link", { name: facility.name }).click();
  await expect(page.getByRole("heading", { name: /Sync settings/ })).toBeVisible();

  const integrations = page.locator('[data-source="integration"]');
  const cctv = page.locator('[data-source="cctv"]');
  await expect(integrations.getByText("Integrations", { exact: true })).toBeVisible();
  await expect(cctv.getByText("Performance Hub features (CCTV/Computer Vision)")).toBeVisible();
  await expect(integrations.getByText("Never run")).toBeVisible();
  await expect(cctv.getByText("Never run")).toBeVisible();

  const toggle = page.getByRole("switch", { name: "Enable Integrations" });
  await expect(toggle).not.toBeChecked();
  await expect(page.getByRole("switch", { name: /Enable Performance Hub/ })).not.toBeChecked();
  await toggle.click();
  await expect(toggle).toBeChecked();

  await page.reload();
  await expect(page.getByRole("switch", { name: "Enable Integrations" })).toBeChecked();
  await expect(page.getByRole("switch", { name: /Enable Performance Hub/ })).not.toBeChecked();

  await testInfo.attach("sync-settings", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
  await page.screenshot({ path: testInfo.outputPath("sync-settings.png"), fullPage: true });
});

test("a wrong password is refused with a message", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill("admin@demo.fitness");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(/invalid email or password/i)).toBeVisible();
});
