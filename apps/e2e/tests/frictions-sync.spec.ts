/**
 * Frictions a new admin met on Settings → Sync settings (issue 17), each checked in the browser.
 * Every spec uses a facility of its own, so "Never run" and the counts are its own.
 */
import { eq } from "drizzle-orm";
import { activityEntry, integration, setFacilityIntegration } from "@uas/db";
import {
  test,
  expect,
  signIn,
  createGrantedFacility,
  insertSyncedUser,
  integrationWebhookSecret,
  mapIntegrationLocation,
  screenshot,
  sendSignedWebhook,
  setSyncSettings,
  stackDb,
  stackSecretBox,
  uniqueName,
  DEMO_IDS,
} from "./fixtures";
import type { Page } from "@playwright/test";

// The admin's locale and a browser zone unlike any facility's: dates must follow the facility, not the browser.
test.use({ locale: "en-GB", timezoneId: "Asia/Tokyo" });

/** The stack's demo partner (playwright.config.ts: UAS_E2E_PORT_BASE + 3). */
const PARTNER_URL = `http://127.0.0.1:${Number(process.env.UAS_E2E_PORT_BASE ?? 5273) + 3}`;

/** A facility mirroring the demo partner at a location of its own, holding `members` new partner members. */
async function facilityWithMembers(prefix: string, members: number) {
  const facility = await createGrantedFacility(uniqueName(prefix));
  const locationId = `loc-${facility.id}`;
  await mapIntegrationLocation({ locationId, facilityId: facility.id });
  await setFacilityIntegration(stackDb(), {
    facilityId: facility.id,
    integrationId: DEMO_IDS.integrationId,
    enabled: true,
  });
  const [partner] = await stackDb()
    .select({ apiKey: integration.apiKey })
    .from(integration)
    .where(eq(integration.id, DEMO_IDS.integrationId));
  const apiKey = await (await stackSecretBox()).open(partner!.apiKey);
  for (let i = 0; i < members; i += 1) {
    const lastName = uniqueName("Walk");
    const res = await fetch(`${PARTNER_URL}/control/members`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        external_id: `E2E-${lastName}`,
        first_name: "Wren",
        last_name: lastName,
        email: `${lastName.toLowerCase()}@example.com`,
        location_ids: [locationId],
      }),
    });
    expect(res.status).toBeLessThan(300);
  }
  return { facility, locationId };
}

async function partnerFaults(faults: Record<string, unknown>) {
  const [partner] = await stackDb()
    .select({ apiKey: integration.apiKey })
    .from(integration)
    .where(eq(integration.id, DEMO_IDS.integrationId));
  const apiKey = await (await stackSecretBox()).open(partner!.apiKey);
  const res = await fetch(`${PARTNER_URL}/control/faults`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(faults),
  });
  expect(res.status).toBeLessThan(300);
}

async function openSyncSettings(page: Page, facilityName: string) {
  await signIn(page);
  await page.getByRole("link", { name: facilityName }).click();
  await expect(page.getByRole("heading", { name: /Sync settings/ })).toBeVisible();
}

test("turning a source on offers the first pass now and says when the nightly one runs (3); after it nothing says never (5)", async ({
  page,
}, testInfo) => {
  const { facility } = await facilityWithMembers("First pass ", 2);
  await openSyncSettings(page, facility.name);
  const block = page.locator('[data-source="integration"]');
  await expect(block.getByText("Never run")).toBeVisible();
  await expect(block.getByRole("button", { name: "Run the first pass now" })).toHaveCount(0);

  await page.getByRole("switch", { name: "Enable Integrations" }).click();
  await expect(block.getByText("Next nightly pass: 03:00 Europe/London")).toBeVisible();
  const runNow = block.getByRole("button", { name: "Run the first pass now" });
  await expect(runNow).toBeVisible();
  await screenshot(page, testInfo, "first-pass-offer");

  await runNow.click();
  await expect(block.getByText("Sync complete")).toBeVisible({ timeout: 45_000 });
  await expect(block.getByText(/Added 2 · Updated 0/)).toBeVisible();
  // One record of the last run: nothing beside "Sync complete" says it never ran.
  await expect(block.getByText("Never run")).toHaveCount(0);
  await expect(block.getByRole("button", { name: "Run the first pass now" })).toHaveCount(0);
  await expect(block.getByTestId("source-health")).not.toContainText("never run", { ignoreCase: true });
  await expect(block.getByTestId("source-health")).not.toContainText("Last complete pass: never");
  await screenshot(page, testInfo, "first-pass-complete");

  // The same after a reload: the settings view and the pass agree.
  await page.reload();
  await expect(block.getByText("Sync complete")).toBeVisible();
  await expect(block.getByText("Never run")).toHaveCount(0);
  await expect(block.getByTestId("source-health")).not.toContainText("Last complete pass: never");
});

test("a pass's time is shown in the facility's zone, in the admin's locale, with the zone named (9)", async ({
  page,
}, testInfo) => {
  const { facility } = await facilityWithMembers("Dates ", 1);
  await openSyncSettings(page, facility.name);
  await page.getByRole("switch", { name: "Enable Integrations" }).click();
  const block = page.locator('[data-source="integration"]');
  await block.getByRole("button", { name: "Sync now: Integrations" }).click();
  await expect(block.getByText("Sync complete")).toBeVisible({ timeout: 45_000 });

  // en-GB, Europe/London (the facility), never the browser's Asia/Tokyo: "2 Dec 2026, 15:04 GMT".
  const expected = new Intl.DateTimeFormat("en-GB", {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "Europe/London",
    timeZoneName: "short",
  })
    .format(new Date())
    .split(",")[0]!;
  const dateTime = /^\d{1,2} [A-Z][a-z]{2,3} \d{4}, \d{2}:\d{2} (GMT|BST)$/;
  const passTime = block.locator(".pass-status [role=status] .muted").first();
  await expect(passTime).toHaveText(dateTime);
  await expect(passTime).toContainText(expected);

  await page.getByRole("button", { name: "Sync activity & troubleshooting" }).click();
  const firstTime = page.locator(".activity-table tbody tr").first().locator("td").first();
  await expect(firstTime).toHaveText(dateTime);
  await screenshot(page, testInfo, "dates");
});

test("turning Auto-send on says how many people will be invited and asks first (1)", async ({ page }, testInfo) => {
  const facility = await createGrantedFacility(uniqueName("Autosend "));
  await setFacilityIntegration(stackDb(), {
    facilityId: facility.id,
    integrationId: DEMO_IDS.integrationId,
    enabled: true,
  });
  await setSyncSettings(facility.id, { integrationsEnabled: true });
  for (let i = 0; i < 3; i += 1) {
    const lastName = uniqueName("Eligible");
    await insertSyncedUser({
      firstName: "Ola",
      lastName,
      email: `${lastName.toLowerCase()}@example.com`,
      facilityId: facility.id,
    });
  }
  // Not counted: no email.
  await insertSyncedUser({ firstName: "Nemo", lastName: uniqueName("NoEmail"), email: "", facilityId: facility.id });

  await openSyncSettings(page, facility.name);
  const autoSend = page.getByRole("switch", { name: /Auto-send app invitations/ });
  await autoSend.click();
  const dialog = page.getByRole("dialog", { name: "Turn on Auto-send app invitations?" });
  await expect(dialog.getByTestId("auto-send-count")).toContainText("3 people");
  await screenshot(page, testInfo, "auto-send-confirm");

  // Cancel leaves it off, on the page and on the server.
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(autoSend).not.toBeChecked();
  await page.reload();
  await expect(autoSend).not.toBeChecked();

  await autoSend.click();
  await dialog.getByRole("button", { name: "Turn on and invite 3" }).click();
  await expect(autoSend).toBeChecked();
  await page.reload();
  await expect(autoSend).toBeChecked();

  // Turning it off asks nothing.
  await autoSend.click();
  await expect(dialog).toHaveCount(0);
  await expect(autoSend).not.toBeChecked();
});

test("leaving with an unsaved Require identifier choice asks first (2)", async ({ page }) => {
  const facility = await createGrantedFacility(uniqueName("Identifier "));
  await openSyncSettings(page, facility.name);
  await page.getByRole("combobox", { name: "Require identifier" }).click();
  await page.getByRole("option", { name: "Both required" }).click();
  await expect(page.getByTestId("identifier-preview")).toBeVisible();

  const users = page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" });
  // Stay: the choice is still there, unsaved.
  const asked: string[] = [];
  page.once("dialog", (dialog) => {
    asked.push(dialog.message());
    void dialog.dismiss();
  });
  await users.click();
  await expect.poll(() => asked).toEqual(["Your Require identifier change is not saved. Leave and discard it?"]);
  await expect(page).toHaveURL(/\/sync$/);
  await expect(page.getByRole("heading", { name: /Sync settings/ })).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Require identifier" })).toContainText("Both required");

  // Leave: the choice is dropped knowingly, and nothing was saved.
  page.once("dialog", (dialog) => void dialog.accept());
  await users.click();
  await expect(page.getByRole("heading", { name: "User Access" })).toBeVisible();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Sync settings" }).click();
  await expect(page.getByRole("combobox", { name: "Require identifier" })).toContainText("Email OR phone");
});

test("an opted-out integration's block still says when its last webhook arrived (6)", async ({ page }) => {
  const facility = await createGrantedFacility(uniqueName("Opted out "));
  await setSyncSettings(facility.id, { integrationsEnabled: true });
  await setFacilityIntegration(stackDb(), {
    facilityId: facility.id,
    integrationId: DEMO_IDS.integrationId,
    enabled: false,
  });
  const externalId = `M-OPT-${uniqueName("")}`;
  const sent = await sendSignedWebhook({
    url: `/webhooks/integrations/${DEMO_IDS.integrationId}`,
    secret: await integrationWebhookSecret(),
    webhookId: `msg_${uniqueName("optout")}`,
    body: JSON.stringify({
      type: "member.upserted",
      data: {
        external_id: externalId,
        first_name: "Otto",
        last_name: "Out",
        email: "otto@example.com",
        location_ids: ["loc-north"],
        updated_at: new Date().toISOString(),
      },
    }),
  });
  expect(sent.status).toBe(202);

  await openSyncSettings(page, facility.name);
  const health = page.locator('[data-source="integration"]').getByTestId("source-health");
  await expect(health).toContainText("Last webhook received:");
  await expect(health).not.toContainText("Last webhook received: never");
});

test("the activity log: a named Outcome filter, rows on one line, no scroll box, and it follows a running pass (7)", async ({
  page,
}, testInfo) => {
  const { facility } = await facilityWithMembers("Activity ", 3);
  await openSyncSettings(page, facility.name);
  await page.getByRole("switch", { name: "Enable Integrations" }).click();
  await page.getByRole("button", { name: "Sync activity & troubleshooting" }).click();

  const outcome = page.getByRole("combobox", { name: "Outcome" });
  await expect(outcome).toHaveText("All outcomes");

  // While a pass runs (slowed down at the partner), what it writes shows up with no Refresh click.
  const block = page.locator('[data-source="integration"]');
  await partnerFaults({ delayMs: 4000 });
  try {
    await block.getByRole("button", { name: "Sync now: Integrations" }).click();
    await expect(block.getByText("Running…")).toBeVisible();
    const marker = uniqueName("Polled");
    await stackDb()
      .insert(activityEntry)
      .values({
        at: Date.now(),
        organisationId: DEMO_IDS.organisationId,
        facilityId: facility.id,
        source: "integration",
        integrationId: DEMO_IDS.integrationId,
        externalId: `E2E-${marker}`,
        name: `Wren ${marker}`,
        outcome: "processed",
      });
    await expect(page.locator(".activity-table tbody tr").filter({ hasText: marker })).toBeVisible({ timeout: 8_000 });
    await expect(block.getByText("Running…")).toBeVisible();
  } finally {
    await partnerFaults({});
  }
  const rows = page.locator(".activity-table tbody tr").filter({ hasText: "Added" });
  await expect(rows).toHaveCount(3, { timeout: 60_000 });

  // One line per row, and the table is part of the page (no scroll box of its own).
  const first = rows.first();
  const lineHeight = await first
    .locator("td")
    .first()
    .evaluate((cell) => parseFloat(getComputedStyle(cell).lineHeight) || 20);
  expect((await first.boundingBox())!.height).toBeLessThan(lineHeight * 2 + 24);
  const scrollers = await page
    .locator(".activity-table")
    .evaluate(
      (table) =>
        [...table.querySelectorAll("*")].filter(
          (el) => ["auto", "scroll"].includes(getComputedStyle(el).overflowY) && el.scrollHeight > el.clientHeight,
        ).length,
    );
  expect(scrollers).toBe(0);
  await screenshot(page, testInfo, "activity-table");
});
