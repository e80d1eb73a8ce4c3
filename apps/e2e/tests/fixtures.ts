import { test as base, expect, type Page } from "@playwright/test";

export const DEMO_ADMIN = { email: "admin@demo.fitness", password: "demo-admin-2026" };

export async function signIn(page: Page) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(DEMO_ADMIN.email);
  await page.getByLabel("Password").fill(DEMO_ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Choose a facility" })).toBeVisible();
}

export const test = base;
export { expect };
