import { test, expect, signIn, uniqueName, screenshot } from "./fixtures";

test("connect an integration with a location map, then rotate its webhook secret", async ({
  page,
  context,
}, testInfo) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  const name = uniqueName("Acme ");
  await signIn(page);
  await page.getByRole("link", { name: /Northside/ }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Integrations" }).click();
  await expect(page.getByRole("heading", { name: "Integrations", exact: true })).toBeVisible();
  await expect(page.locator('[data-integration="Demo Partner"]')).toBeVisible();
  await screenshot(page, testInfo, "integrations-list");

  await page.getByRole("button", { name: "Connect integration" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect an integration" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Base URL").fill("partner.example");
  await dialog.getByLabel("API key").fill("sk_test_e2e_0123456789");
  await dialog.getByLabel("Partner location 1").fill("loc-e2e");
  await dialog.getByRole("combobox", { name: "Facility for location 1" }).click();
  await page.getByRole("option", { name: "Riverside" }).click();
  await dialog.getByRole("button", { name: "Connect" }).click();
  await expect(dialog.getByText("Enter the partner's URL, starting with https://")).toBeVisible();
  await screenshot(page, testInfo, "connect-integration-invalid-url");

  await dialog.getByLabel("Base URL").fill("https://partner.example/api");
  await dialog.getByRole("button", { name: "Connect" }).click();
  await expect(dialog).toBeHidden();

  const card = page.locator(`[data-integration="${name}"]`);
  await expect(card.getByText("Waiting for first webhook")).toBeVisible();
  await expect(card.getByRole("cell", { name: "loc-e2e" })).toBeVisible();
  await expect(card.getByRole("cell", { name: "Riverside" })).toBeVisible();
  await expect(card.getByText("…6789")).toBeVisible();

  const secret = card.getByLabel("Webhook secret");
  await card.getByRole("button", { name: "Show secret" }).click();
  // The list holds only a hint ("whsec_…abcd"); the full secret arrives from the audited reveal.
  await expect(secret).toHaveValue(/^whsec_[^…]{20,}$/);
  const first = await secret.inputValue();
  await card.getByRole("button", { name: "Copy secret" }).click();
  await expect(page.getByText("Webhook secret copied")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(first);
  await screenshot(page, testInfo, "integration-connected");

  await card.getByRole("button", { name: "Rotate secret" }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Rotate secret" }).click();
  await expect(card.getByText(/The previous secret still works until/)).toBeVisible();
  await expect(secret).not.toHaveValue(first);
  expect(await secret.inputValue()).toMatch(/^whsec_/);
  await screenshot(page, testInfo, "integration-rotated");

  // A new base URL needs the key entered again: the stored one is never sent to another address.
  await card.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("dialog", { name: `Edit ${name}` });
  await expect(edit.getByText("Leave empty to keep the current key (…6789).")).toBeVisible();
  await edit.getByLabel("Base URL").fill("https://elsewhere.example/api");
  await expect(
    edit.getByText("The base URL changed: enter the API key again. The current key is never sent to a new URL."),
  ).toBeVisible();
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit.getByText("The base URL changed: enter the API key again", { exact: true })).toBeVisible();
  await screenshot(page, testInfo, "integration-url-changed-needs-key");
  await edit.getByLabel("API key").fill("sk_test_e2e_moved_4321");
  await edit.getByRole("button", { name: "Save" }).click();
  await expect(edit).toBeHidden();
  await expect(card.getByText("https://elsewhere.example/api")).toBeVisible();
  await expect(card.getByText("…4321")).toBeVisible();
});
