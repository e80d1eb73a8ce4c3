import { readFileSync } from "node:fs";
import { join } from "node:path";
import { API_URL, test, expect, signIn, uniqueName, screenshot } from "./fixtures";

/** The stack's Glofox simulator and the credentials it accepts (packages/devkit: dev.json, secrets.json). */
function glofoxSimulator() {
  const dataDir = process.env.UAS_E2E_DATA_DIR;
  if (!dataDir) throw new Error("UAS_E2E_DATA_DIR is not set: run the specs through playwright.config.ts");
  const dev = JSON.parse(readFileSync(join(dataDir, "dev.json"), "utf8")) as {
    simulators: { glofox: { url: string; controlKey: string } };
    integrations: Array<{ system: string; branchId?: string }>;
  };
  const secrets = JSON.parse(readFileSync(join(dataDir, "secrets.json"), "utf8")) as {
    glofoxApiKey: string;
    glofoxApiToken: string;
  };
  const branchId = dev.integrations.find((i) => i.system === "glofox")?.branchId;
  if (!branchId) throw new Error("dev.json has no Glofox integration");
  return { ...dev.simulators.glofox, apiKey: secrets.glofoxApiKey, apiToken: secrets.glofoxApiToken, branchId };
}

test("connect a Glofox branch: its credentials, Test connection, its branch mapped, its webhooks received", async ({
  page,
}, testInfo) => {
  test.setTimeout(150_000);
  const glofox = glofoxSimulator();
  const name = uniqueName("Studio Glofox ");
  const webhookSecret = "e2e-glofox-issued-secret";
  await signIn(page);
  await page.getByRole("link", { name: /Riverside/ }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Integrations" }).click();
  await expect(page.getByRole("heading", { name: "Integrations", exact: true })).toBeVisible({ timeout: 20_000 });
  // The demo connects Glofox and ABC Ignite too.
  await expect(page.locator('[data-integration="Demo Glofox"]')).toBeVisible();
  await expect(page.locator('[data-integration="Demo ABC Ignite"]')).toBeVisible();

  await page.getByRole("button", { name: "Connect integration" }).click();
  const dialog = page.getByRole("dialog", { name: "Connect an integration" });
  await expect(dialog.getByRole("group", { name: "System" }).getByRole("button", { name: "ABC Ignite" })).toBeVisible();
  await dialog.getByRole("group", { name: "System" }).getByRole("button", { name: "Glofox" }).click();
  await expect(dialog.getByLabel("API URL", { exact: true })).toHaveValue("https://gf-api.aws.glofox.com/prod");
  await dialog.getByLabel("Name", { exact: true }).fill(name);
  await dialog.getByLabel("API URL", { exact: true }).fill(`${glofox.url}/prod`);
  await dialog.getByLabel("API key", { exact: true }).fill("not-the-key");
  await dialog.getByLabel("API token", { exact: true }).fill(glofox.apiToken);
  await dialog.getByLabel("Branch ID", { exact: true }).fill(glofox.branchId);

  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByTestId("connection-check")).toContainText("Wrong key");
  await dialog.getByLabel("API key", { exact: true }).fill(glofox.apiKey);
  await dialog.getByRole("button", { name: "Test connection" }).click();
  await expect(dialog.getByTestId("connection-check")).toHaveText("Connected to Glofox");
  await dialog.getByLabel("Webhook secret", { exact: true }).fill(webhookSecret);
  await screenshot(page, testInfo, "connect-glofox-tested");

  await dialog.getByRole("button", { name: "Load locations" }).click();
  await expect(dialog.getByText(`Glofox branch ${glofox.branchId}`)).toBeVisible();
  await dialog.getByRole("combobox", { name: "Facility for location 1" }).click();
  await page.getByRole("option", { name: "Riverside" }).click();
  await dialog.getByRole("button", { name: "Connect", exact: true }).click();
  await expect(dialog).toBeHidden();

  const card = page.locator(`[data-integration="${name}"]`);
  await expect(card.getByText("Glofox", { exact: true })).toBeVisible();
  await expect(card.getByText(`Branch ${glofox.branchId}`)).toBeVisible();
  await expect(card.getByRole("cell", { name: "Riverside" })).toBeVisible();
  await screenshot(page, testInfo, "connect-glofox-connected");

  // Glofox is given the integration's webhook URL and signs with the secret it issued: a change arrives.
  const integrationId = await card.getAttribute("data-integration-id");
  const control = (path: string, body: unknown) =>
    fetch(`${glofox.url}/control/${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${glofox.controlKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  await control("webhook-target", { url: `${API_URL}/webhooks/integrations/${integrationId}`, secret: webhookSecret });
  await control("members", { first_name: "Gwen", last_name: "Webhook", email: "gwen@example.com", active: true });
  await expect(async () => {
    await page.reload();
    await expect(card.getByText("Receiving webhooks")).toBeVisible({ timeout: 5_000 });
  }).toPass({ timeout: 60_000 });
});
