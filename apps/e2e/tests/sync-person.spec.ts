import { setFacilityIntegration, updateSyncSettings } from "@uas/db";
import {
  test,
  expect,
  signIn,
  DEMO_IDS,
  createGrantedFacility,
  insertSyncedUser,
  stackDb,
  uniqueName,
  screenshot,
} from "./fixtures";

test("Sync this person now explains each step and applies the source's answer", async ({ page }, testInfo) => {
  // A facility the demo partner's location map does not reach: its member there is a removal.
  const facility = await createGrantedFacility(uniqueName("Annex "));
  await updateSyncSettings(stackDb(), facility.id, { integrationsEnabled: true }, Date.now());
  // It mirrored the integration when the map still named it (the choice row the product wrote then stays on).
  await setFacilityIntegration(stackDb(), {
    facilityId: facility.id,
    integrationId: DEMO_IDS.integrationId,
    enabled: true,
  });
  const lastName = uniqueName("Trace");
  await insertSyncedUser({
    firstName: "Ida",
    lastName,
    email: `${lastName.toLowerCase()}@example.com`,
    externalId: "M-1001",
    facilityId: facility.id,
  });

  await signIn(page);
  await page.getByRole("link", { name: facility.name }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  await page.getByRole("button", { name: `Ida ${lastName}` }).click();
  await page.getByRole("button", { name: "Sync this person now" }).click();

  const trace = page.getByTestId("sync-trace");
  await expect(trace).toContainText("Fetch — Found at the source");
  await expect(trace).toContainText("Facility — Mapped to other facilities only: a removal for this facility");
  await expect(trace).toContainText("Settings — The source is on and this facility mirrors it");
  await expect(trace).toContainText("Action — Disabled: No longer at a location mapped to this facility");
  await expect(page.locator(".person-activity")).toContainText("Disabled");
  await screenshot(page, testInfo, "sync-this-person-now");
});
