import { eq } from "drizzle-orm";
import { accessUser, insertManualUser } from "@uas/db";
import type { Page } from "@playwright/test";
import { test, expect, signIn, createGrantedFacility, stackDb, uniqueName, screenshot } from "./fixtures";

/** A facility of its own with five known people, so every count on the page is exact. */
async function facilityWithPeople() {
  const facility = await createGrantedFacility(uniqueName("Tileside "));
  const db = stackDb();
  const tag = uniqueName("t");
  const person = async (firstName: string, patch: Partial<typeof accessUser.$inferInsert>) => {
    const row = await insertManualUser(
      db,
      {
        facilityId: facility.id,
        firstName,
        lastName: tag,
        email: `${firstName.toLowerCase()}-${tag}@example.com`,
        mobilePhone: null,
      },
      Date.now(),
    );
    await db.update(accessUser).set(patch).where(eq(accessUser.id, row.id));
    return row.id;
  };
  await person("Ada", { membershipStatus: "active", personType: "Member", customTags: ["pool"], createdAt: 1 });
  await person("Ben", { membershipStatus: "on_hold", personType: "Member", accessEnabled: false, createdAt: 2 });
  await person("Cal", { membershipStatus: "on_hold", personType: "Staff", createdAt: 3 });
  await person("Dee", { source: "cctv", externalId: `cv-${tag}`, removedAtSourceAt: Date.now(), createdAt: 4 });
  await person("Eli", { membershipStatus: "frozen", personType: "Member", createdAt: 5 });
  return { facility, tag };
}

async function openUserAccess(page: Page, facilityName: string) {
  await signIn(page);
  await page.getByRole("link", { name: facilityName }).click();
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  await expect(page.getByRole("heading", { name: "User Access" })).toBeVisible();
}

const firstNames = (page: Page) => page.locator(".users-table tbody tr .name");
const chip = (page: Page, name: string) => page.getByRole("combobox", { name, exact: true });

async function choose(page: Page, chipName: string, option: string) {
  await chip(page, chipName).click();
  await page.getByRole("option", { name: option, exact: true }).click();
}

test("tiles count by access, chips filter, and the view lives in the URL across a reload", async ({
  page,
}, testInfo) => {
  const { facility, tag } = await facilityWithPeople();
  await openUserAccess(page, facility.name);

  await expect(page.getByTestId("tile-allUsers")).toContainText("5");
  await expect(page.getByTestId("tile-hasAccess")).toContainText("3");
  await expect(page.getByTestId("tile-noAccess")).toContainText("2");
  await expect(firstNames(page)).toHaveText([`Ada ${tag}`, `Ben ${tag}`, `Cal ${tag}`, `Dee ${tag}`, `Eli ${tag}`]);
  await screenshot(page, testInfo, "user-access-tiles");

  // The Membership status chip offers what the data holds, with the friendly labels.
  await chip(page, "Membership status").click();
  await expect(page.getByRole("option")).toHaveText(["Any membership", "Active", "Frozen", "On hold"]);
  await page.getByRole("option", { name: "On hold" }).click();
  await expect(firstNames(page)).toHaveText([`Ben ${tag}`, `Cal ${tag}`]);

  // A tile filters by access outcome and resets the Source filter.
  await choose(page, "Source", "Manually added");
  await expect(firstNames(page)).toHaveText([`Ben ${tag}`, `Cal ${tag}`]);
  await page.getByTestId("tile-hasAccess").click();
  await expect(chip(page, "Source")).toHaveText("All sources");
  await expect(chip(page, "Access")).toHaveText("Has access");
  await expect(firstNames(page)).toHaveText([`Cal ${tag}`]);
  await choose(page, "Membership status", "Any membership");
  await choose(page, "Sort by", "Recently added");
  await expect(firstNames(page)).toHaveText([`Eli ${tag}`, `Cal ${tag}`, `Ada ${tag}`]);
  await expect(page).toHaveURL(/access=has_access/);
  await expect(page).toHaveURL(/sort=recently_added/);
  await screenshot(page, testInfo, "user-access-filtered");

  // Shared or reloaded, the same view.
  await page.reload();
  await expect(chip(page, "Access")).toHaveText("Has access");
  await expect(chip(page, "Sort by")).toHaveText("Recently added");
  await expect(page.getByTestId("tile-hasAccess")).toHaveAttribute("aria-pressed", "true");
  await expect(firstNames(page)).toHaveText([`Eli ${tag}`, `Cal ${tag}`, `Ada ${tag}`]);

  await choose(page, "Tag", "pool");
  await expect(firstNames(page)).toHaveText([`Ada ${tag}`]);
  await page.getByTestId("tile-noAccess").click();
  await expect(page.getByText("No users match these filters.")).toBeVisible();
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(firstNames(page)).toHaveCount(5);
  await choose(page, "Invitation", "Not invited");
  await expect(firstNames(page)).toHaveCount(5);
});

test("Import (CSV): template, a preview with every rejected line, then confirm", async ({ page }, testInfo) => {
  const { facility, tag } = await facilityWithPeople();
  await openUserAccess(page, facility.name);
  await page.getByRole("button", { name: "Import (CSV)" }).click();
  const dialog = page.getByRole("dialog", { name: "Import (CSV)" });
  await expect(dialog.getByTestId("import-template")).toHaveAttribute("download", "user-access-template.csv");

  const csv = [
    "First name,Last name,Email,Mobile phone,Person type,Membership status,Custom tags",
    `Fay,${tag},fay-${tag}@example.com,07700 900123,Member,Active,Pool`,
    `Ada,${tag},ada-${tag}@example.com,,Staff,,`,
    `Gus,${tag},,,,,`,
    `Hal,${tag},not-an-email,,,,`,
    `Fay,Again,fay-${tag}@example.com,,,,`,
  ].join("\n");
  await dialog
    .getByLabel("CSV file")
    .setInputFiles({ name: "people.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  const preview = dialog.getByTestId("import-preview");
  await expect(preview.getByTestId("import-count-add")).toHaveText("1 to add");
  await expect(preview.getByTestId("import-count-update")).toHaveText("1 to update");
  await expect(preview.getByTestId("import-count-rejected")).toHaveText("3 rejected");
  const rejected = preview.getByTestId("import-rejected").locator("tbody tr");
  await expect(rejected).toHaveText([
    "4Missing phone and email: people sign in with a code sent to one of them",
    '5Email "not-an-email" is not a valid email address',
    "6Duplicate in the file: same email as line 2",
  ]);
  await screenshot(page, testInfo, "import-preview");
  // Nothing written yet.
  await expect(firstNames(page)).toHaveCount(5);

  await dialog.getByTestId("import-confirm").click();
  await expect(page.getByText("Import complete")).toBeVisible();
  await expect(dialog).toBeHidden();
  await expect(firstNames(page)).toHaveCount(6);
  await expect(page.getByTestId("tile-allUsers")).toContainText("6");
  await page.getByLabel("Search users").fill("fay-");
  await expect(firstNames(page)).toHaveText([`Fay ${tag}`]);
});

test("the panel sends the invitation email, says Invited with its time, and offers Resend", async ({
  page,
}, testInfo) => {
  const { facility, tag } = await facilityWithPeople();
  await openUserAccess(page, facility.name);
  await page.getByRole("button", { name: `Ada ${tag}` }).click();
  const status = page.getByTestId("invitation-status");
  await expect(status.getByText("Not invited")).toBeVisible();
  await status.getByRole("button", { name: "Send invitation email" }).click();
  await expect(page.getByText("Invitation email sent")).toBeVisible();
  await expect(status.getByText("Invited", { exact: true })).toBeVisible();
  await expect(status.getByTestId("invitation-when")).toBeVisible();
  await expect(status.getByRole("button", { name: "Resend invitation email" })).toBeVisible();
  await screenshot(page, testInfo, "user-panel-invited");

  // Someone without access cannot be invited, and the panel says why before the click.
  await page.keyboard.press("Escape");
  await page.getByRole("button", { name: `Ben ${tag}` }).click();
  await expect(status.getByRole("button", { name: "Send invitation email" })).toBeDisabled();
  await expect(status).toContainText("No access: an invitation is sent only to people who can open the doors.");
  await page.keyboard.press("Escape");
  await choose(page, "Invitation", "Invited");
  await expect(firstNames(page)).toHaveText([`Ada ${tag}`]);
});
