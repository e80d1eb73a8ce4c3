import type { Page } from "@playwright/test";
import { eq } from "drizzle-orm";
import { accessRuleSet, accessUser, auditEntry, newId } from "@uas/db";
import { test, expect, signIn, createGrantedFacility, stackDb, uniqueName, screenshot, API_URL } from "./fixtures";

// Dates follow the admin's locale and the facility's zone (apps/web/src/format.ts): pin both for "14 Dec".
test.use({ locale: "en-GB", timezoneId: "Europe/London" });

const DAY = 86_400_000;
const nav = (page: Page, name: string) =>
  page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name }).click();

async function seedPeople(facilityId: string) {
  const now = Date.now();
  const person = (
    lastName: string,
    personType: string,
    membershipStatus: string,
    extra: Partial<typeof accessUser.$inferInsert> = {},
  ) => ({
    id: newId("usr_e2e"),
    facilityId,
    source: "manual" as const,
    firstName: "Rule",
    lastName,
    email: `${lastName.toLowerCase()}-${newId("e").slice(-6)}@example.com`,
    personType,
    membershipStatus,
    createdAt: now,
    updatedAt: now,
    ...extra,
  });
  const rows = [
    person("Adams", "member", "active"),
    person("Baker", "member", "active"),
    person("Clark", "member", "Current"),
    person("Dunn", "member", "expired"),
    person("Evans", "member", "expired"),
    person("Fox", "staff", "on_hold"),
    person("Grace", "member", "expired", { graceUntil: now + 5 * DAY, graceStatus: "expired" }),
  ];
  await stackDb().insert(accessUser).values(rows);
  return rows;
}

test("the rule editor offers the facility's statuses, previews who would lose access, saves, and hands out a door key", async ({
  page,
}, testInfo) => {
  test.setTimeout(120_000);
  const facility = await createGrantedFacility(uniqueName("Rules "));
  const people = await seedPeople(facility.id);
  await signIn(page);
  await page.getByRole("link", { name: facility.name }).click();
  await nav(page, "Access Rules");
  await expect(page.getByRole("heading", { name: "Access Rules" })).toBeVisible();
  await expect(page.getByText("No rules saved yet")).toBeVisible();

  // Replace the starting rule (every type, any status) with a new rule: it pre-selects Active and Current.
  await page.getByTestId("access-rule-0").getByRole("button", { name: "Remove rule" }).click();
  await expect(page.getByTestId("no-rules")).toBeVisible();
  await page.getByRole("button", { name: "Add rule", exact: true }).click();
  const rule = page.getByTestId("access-rule-0");
  await expect(rule.getByText("Active", { exact: true })).toBeVisible();
  await expect(rule.getByText("Current", { exact: true })).toBeVisible();
  await expect(rule.getByText("Expired")).toHaveCount(0);

  // The preview says what saving would do now, with a sample; nothing is saved yet.
  const effect = page.getByTestId("access-rules-effect");
  await expect(effect).toHaveText("3 people would lose access, 0 would gain it.");
  await expect(page.getByTestId("sample-lose")).toContainText("Rule Dunn");
  await expect(page.getByTestId("sample-lose")).toContainText("Rule Fox");
  await expect(page.getByTestId("sample-lose")).not.toContainText("Rule Grace");
  expect(await stackDb().select().from(accessRuleSet).where(eq(accessRuleSet.facilityId, facility.id))).toEqual([]);
  await screenshot(page, testInfo, "access-rules-preview");

  // A tag rule needs a tag before it can be saved.
  await page.getByRole("button", { name: "Add tag rule" }).click();
  await expect(page.getByText("Choose at least one tag in each tag rule.")).toBeVisible();
  await page.getByTestId("access-rule-1").getByRole("button", { name: "Remove rule" }).click();

  await page.getByLabel("Grace days").fill("7");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText("Access rules saved")).toBeVisible();
  await expect(page.getByTestId("access-rules-preview")).toHaveCount(0);
  const [saved] = await stackDb().select().from(accessRuleSet).where(eq(accessRuleSet.facilityId, facility.id));
  expect(saved?.graceDays).toBe(7);
  const audits = await stackDb().select().from(auditEntry).where(eq(auditEntry.facilityId, facility.id));
  expect(audits.map((a) => a.action)).toContain("access_rules.updated");

  // The user list follows the rules; the panel says how long a grace lasts.
  await nav(page, "User Access");
  const graceRow = page.locator(".users-table tbody tr").filter({ hasText: "Grace" });
  await graceRow.first().getByRole("button").first().click();
  const until = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "Europe/London" }).format(
    new Date(people[6]!.graceUntil!),
  );
  await expect(page.getByTestId("access-until")).toHaveText(`Access until ${until} (grace: membership Expired)`);
  await page.keyboard.press("Escape");

  // The door key is shown once; the check endpoint answers with it.
  await nav(page, "Access Rules");
  await page.getByRole("button", { name: "Create key" }).click();
  const keyField = page.getByLabel("New door API key");
  await expect(keyField).toHaveValue(/^uasd_/);
  const key = await keyField.inputValue();
  const ask = async (userId: string) => {
    const res = await fetch(`${API_URL}/v1/access/check`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ facilityId: facility.id, userId }),
    });
    return { status: res.status, body: await res.json() };
  };
  expect(await ask(people[0]!.id)).toEqual({ status: 200, body: { allowed: true, reason: null, until: null } });
  expect(await ask(people[3]!.id)).toEqual({
    status: 200,
    body: { allowed: false, reason: "no_matching_rule_or_grant", until: null },
  });
  await expect(page.getByTestId("door-key-info")).toContainText(key.slice(0, 11));
});
