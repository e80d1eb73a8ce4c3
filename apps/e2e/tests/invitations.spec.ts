import {
  findInvitation,
  insertManualUser,
  integration,
  integrationLocation,
  listAccessUsers,
  setFacilityIntegration,
} from "@uas/db";
import {
  test,
  expect,
  signIn,
  createGrantedFacility,
  stackDb,
  stackSecretBox,
  uniqueName,
  screenshot,
  DEMO_IDS,
} from "./fixtures";

/** The stack's demo partner (playwright.config.ts: UAS_E2E_PORT_BASE + 3). */
const PARTNER_URL = `http://127.0.0.1:${Number(process.env.UAS_E2E_PORT_BASE ?? 5273) + 3}`;

/** A facility of its own, mapped to a location of the demo partner that holds one new member. */
async function facilityWithOneMember() {
  const db = stackDb();
  const facility = await createGrantedFacility(uniqueName("Inviteside "));
  const locationId = `loc-${facility.id}`;
  // As mapping a location on the Integrations page does: the facility mirrors the integration.
  await db
    .insert(integrationLocation)
    .values({ integrationId: DEMO_IDS.integrationId, locationId, facilityId: facility.id });
  await setFacilityIntegration(db, { facilityId: facility.id, integrationId: DEMO_IDS.integrationId, enabled: true });
  const partner = (await db.select({ id: integration.id, apiKey: integration.apiKey }).from(integration)).find(
    (i) => i.id === DEMO_IDS.integrationId,
  );
  // Partner keys are sealed at rest (ADR 0013): open it as the Worker does.
  const partnerApiKey = await (await stackSecretBox()).open(partner!.apiKey);
  const lastName = uniqueName("Invite");
  const email = `${lastName.toLowerCase()}@example.com`;
  const res = await fetch(`${PARTNER_URL}/control/members`, {
    method: "POST",
    headers: { authorization: `Bearer ${partnerApiKey}`, "content-type": "application/json" },
    body: JSON.stringify({
      external_id: `E2E-${lastName}`,
      first_name: "Ivy",
      last_name: lastName,
      email,
      location_ids: [locationId],
    }),
  });
  expect(res.status).toBeLessThan(300);
  return { facility, name: `Ivy ${lastName}`, email };
}

async function waitUntilSent(email: string, facilityId: string) {
  const db = stackDb();
  await expect
    .poll(
      async () => {
        const { rows } = await listAccessUsers(db, { facilityId, now: Date.now() }, { offset: 0, limit: 10 });
        const row = rows.find((r) => r.email === email);
        return row ? (await findInvitation(db, row.id))?.state : undefined;
      },
      { timeout: 30_000 },
    )
    .toBe("sent");
}

test("tick Auto-send, Sync now: the user panel says Invited and the Mailbox shows the email", async ({
  page,
}, testInfo) => {
  const { facility, name, email } = await facilityWithOneMember();
  await signIn(page);
  await page.getByRole("link", { name: facility.name }).click();

  await page.getByRole("switch", { name: "Enable Integrations" }).click();
  await expect(page.getByRole("switch", { name: "Enable Integrations" })).toBeChecked();
  const autoSend = page.getByRole("switch", { name: /Auto-send app invitations/ });
  await expect(autoSend).not.toBeChecked();
  await autoSend.click();
  // Nobody is synced yet, so the confirmation has nobody to count.
  await page
    .getByRole("dialog", { name: "Turn on Auto-send app invitations?" })
    .getByRole("button", { name: "Turn on" })
    .click();
  await expect(autoSend).toBeChecked();
  await expect(page.getByRole("button", { name: "Send invitations…" })).toBeVisible();
  await screenshot(page, testInfo, "auto-send-on");

  const block = page.locator('[data-source="integration"]');
  await block.getByRole("button", { name: "Sync now: Integrations" }).click();
  await expect(block.getByText("Sync complete")).toBeVisible({ timeout: 45_000 });
  await waitUntilSent(email, facility.id);

  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  await page.getByRole("button", { name }).click();
  const status = page.getByTestId("invitation-status");
  await expect(status.getByText("Invited", { exact: true })).toBeVisible();
  await expect(status.getByTestId("invitation-when")).toBeVisible();
  await screenshot(page, testInfo, "user-panel-sent");
  await page.keyboard.press("Escape");

  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Mailbox" }).click();
  const reader = page.getByTestId("mailbox-email");
  await expect(reader.getByRole("heading", { name: `${facility.name} invited you to its app` })).toBeVisible();
  await expect(reader).toContainText(email);
  await expect(
    page.frameLocator('iframe[title="Email (HTML)"]').getByText("one-time code", { exact: false }),
  ).toBeVisible();
  await screenshot(page, testInfo, "mailbox");
  await reader.getByRole("tab", { name: "Plain text" }).click();
  await expect(reader.locator("pre")).toContainText("How to sign in:");
});

test("Send invitations… for the selected users: counts, confirm, then the summary", async ({ page }, testInfo) => {
  const db = stackDb();
  const facility = await createGrantedFacility(uniqueName("Bulkside "));
  const tag = uniqueName("bulk");
  await insertManualUser(
    db,
    { facilityId: facility.id, firstName: "Alma", lastName: tag, email: `alma-${tag}@example.com`, mobilePhone: null },
    Date.now(),
  );
  await insertManualUser(
    db,
    { facilityId: facility.id, firstName: "Bert", lastName: tag, email: null, mobilePhone: "+447911123456" },
    Date.now(),
  );

  await signIn(page);
  await page.getByRole("link", { name: facility.name }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  for (const first of ["Alma", "Bert"]) {
    await page
      .locator(".users-table tbody tr")
      .filter({ hasText: `${first} ${tag}` })
      .getByRole("checkbox")
      .check();
  }
  await page.getByRole("button", { name: "Send invitations… (2)" }).click();

  const dialog = page.getByTestId("send-invitations-dialog");
  await expect(dialog.getByLabel("The 2 people selected in User Access")).toBeChecked();
  await expect(dialog.getByTestId("invitation-will-send")).toHaveText("1 person will get an email.");
  await expect(dialog.getByTestId("invitation-skipped-noEmail")).toHaveText("1 person skipped: no email");
  await screenshot(page, testInfo, "send-invitations-counts");

  await dialog.getByRole("button", { name: "Send 1 invitation" }).click();
  await expect(dialog.getByTestId("invitation-summary")).toHaveText("1 sent.", { timeout: 30_000 });
  await screenshot(page, testInfo, "send-invitations-summary");
  await dialog.getByRole("button", { name: "Done" }).click();
  await expect(page.locator(".users-table tbody tr").filter({ hasText: `Alma ${tag}` })).toContainText("Invited");
});
