import { test, expect, signIn, HARBOUR_ADMIN, stackDb, catalogDb, organisationDb, screenshot } from "./fixtures";
import type { Page } from "@playwright/test";
import { accessUser } from "@uas/db";
import { eq } from "drizzle-orm";

/**
 * The demo's two organisations, each in a database of its own (ADR 0021): each admin sees only their
 * organisation's facilities and people, and neither organisation's people are in the other's database.
 */
async function openUserAccess(page: Page) {
  await page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "User Access" }).click();
  await expect(page.getByRole("heading", { name: "User Access" })).toBeVisible();
}

test("each organisation's admin sees only its own facilities and people", async ({ page }, testInfo) => {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(HARBOUR_ADMIN.email);
  await page.getByLabel("Password").fill(HARBOUR_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Harbour's admin has one facility, so the picker opens it at once.
  await expect(page.getByRole("heading", { name: "Sync settings · Harbour Wall" })).toBeVisible();
  await expect(page.getByText("Harbour Climbing Co")).toBeVisible();
  await openUserAccess(page);
  await expect(page.locator(".users-table tbody tr").filter({ hasText: "Ngaio" })).toBeVisible();
  await expect(page.locator(".users-table tbody tr").filter({ hasText: "Maya" })).toHaveCount(0);
  await screenshot(page, testInfo, "harbour-user-access");

  await page.context().clearCookies();
  await signIn(page);
  await expect(page.getByRole("link", { name: /Northside/ })).toBeVisible();
  await expect(page.getByRole("link", { name: /Harbour Wall/ })).toHaveCount(0);
  await page.getByRole("link", { name: /Northside/ }).click();
  await openUserAccess(page);
  await expect(page.locator(".users-table tbody tr").filter({ hasText: "Maya" }).first()).toBeVisible();
  await expect(page.locator(".users-table tbody tr").filter({ hasText: "Ngaio" })).toHaveCount(0);

  // Harbour's people are in Harbour's database: not in the demo organisation's, nor in the catalog.
  const ngaio = (db: ReturnType<typeof stackDb>) =>
    db.select().from(accessUser).where(eq(accessUser.firstName, "Ngaio"));
  expect(await ngaio(organisationDb("org-harbour"))).toHaveLength(1);
  expect(await ngaio(stackDb())).toHaveLength(0);
  expect(await ngaio(catalogDb())).toHaveLength(0);
});
