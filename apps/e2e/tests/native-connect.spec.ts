import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test, expect, signIn, uniqueName, screenshot } from "./fixtures";

/** The stack's Mindbody simulator and the key it accepts (packages/devkit: dev.json, secrets.json). */
function mindbodySimulator(): { url: string; controlKey: string; apiKey: string } {
  const dataDir = process.env.UAS_E2E_DATA_DIR;
  if (!dataDir) throw new Error("UAS_E2E_DATA_DIR is not set: run the specs through playwright.config.ts");
  const dev = JSON.parse(readFileSync(join(dataDir, "dev.json"), "utf8")) as {
    simulators: { mindbody: { url: string; controlKey: string } };
  };
  const secrets = JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")) as { mindbodyApiKey: string };
  return { ...dev.simulators.mindbody, apiKey: secrets.mindbodyApiKey };
}

test("connect a Mindbody site: its credentials, Test connection, its locations mapped, webhooks set up", async ({
  page,
}, testInfo) => {
  // A stack under shared load: signing in, two checks, a subscription and a delivery take over a minute.
  test.setTimeout(150_000);
  const mindbody = mindbodySimulator();
  const name = uniqueName("Studio Mindbody ");
  await signIn(page);
  await page.getByRole("link", { name: /Northside/ }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Integrations" }).click();
  await expect(page.getByRole("heading", { name: "Integrations", exact: true })).toBeVisible({ timeout: 20_000 });
  // The demo connects Mindbody and PushPress beside the partner.
  await expect(page.locator('[data-integration="Demo Mindbody"]')).toBeVisible();
  await expect(page.locator('[data-integration="Demo PushPress"]')).toBeVisible();

  await page.getByRole("button", { name: "Connect integration" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect an integration" });
  await expect(
    dialog.getByRole("group", { name: "System" }).getByRole("button", { name: "Partner API" }),
  ).toBeVisible();
  await expect(dialog.getByRole("group", { name: "System" }).getByRole("button", { name: "PushPress" })).toBeVisible();
  await dialog.getByRole("group", { name: "System" }).getByRole("button", { name: "Mindbody" }).click();
  await expect(dialog.getByLabel("API URL", { exact: true })).toHaveValue("https://api.mindbodyonline.com/public/v6");
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("API URL", { exact: true }).fill(`${mindbody.url}/public/v6`);
  await dialog.getByLabel("API key", { exact: true }).fill("not-the-key");
  await dialog.getByLabel("Site ID", { exact: true }).fill("-99");
  await dialog.getByLabel("Staff username", { exact: true }).fill("owner");
  await dialog.getByLabel("Staff password", { exact: true }).fill("owner-password");

  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByTestId("connection-check")).toContainText("Wrong key");
  await dialog.getByLabel("API key", { exact: true }).fill(mindbody.apiKey);
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByTestId("connection-check")).toHaveText("Connected to Mindbody");
  await screenshot(page, testInfo, "connect-mindbody-tested");

  await dialog.getByRole("button", { name: "Load locations" }).click();
  await expect(dialog.getByText("Northside Main")).toBeVisible();
  await expect(dialog.getByText("Northside Riverside")).toBeVisible();
  await dialog.getByRole("combobox", { name: "Facility for location 1" }).click();
  await page.getByRole("option", { name: "Northside" }).click();
  await screenshot(page, testInfo, "connect-mindbody-locations");
  await dialog.getByRole("button", { name: "Connect", exact: true }).click();
  await expect(dialog).toBeHidden();

  const card = page.locator(`[data-integration="${name}"]`);
  await expect(card.getByText("Mindbody", { exact: true })).toBeVisible();
  await expect(card.getByText("Site -99")).toBeVisible();
  await expect(card.getByRole("cell", { name: "1", exact: true })).toBeVisible();
  await expect(card.getByRole("cell", { name: "Northside" })).toBeVisible();
  // The subscription is set up for the admin: Mindbody probes the URL (HEAD) and activates it.
  await expect(page.getByText("Webhooks set up", { exact: true })).toBeVisible({ timeout: 20_000 });
  await screenshot(page, testInfo, "connect-mindbody-connected");

  const subscriptions = await fetch(`${mindbody.url}/push/api/v1/subscriptions`, {
    headers: { "API-Key": mindbody.apiKey },
  }).then((res) => res.json() as Promise<{ items: Array<{ webhookUrl: string; status: string }> }>);
  const integrationId = await card.getAttribute("data-integration-id");
  const ours = subscriptions.items.filter((s) => s.webhookUrl.endsWith(`/webhooks/integrations/${integrationId}`));
  expect(ours.map((s) => s.status)).toContain("Active");

  // A change at the site reaches the integration: its health turns to receiving.
  await fetch(`${mindbody.url}/control/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${mindbody.controlKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      FirstName: "Edie",
      LastName: "Webhook",
      Email: "edie@example.com",
      Status: "Active",
      HomeLocationId: 1,
    }),
  });
  await expect(async () => {
    await page.reload();
    await expect(card.getByText("Receiving webhooks")).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
  // Its health figures: the failed deliveries Mindbody's /metrics reports, how late the last change arrived.
  await expect(card.locator('[data-fact="delivery-failures"]')).toContainText("(reported by Mindbody)");
  await expect(card.locator('[data-fact="delta-lag"]')).toContainText("after it was made");
});
