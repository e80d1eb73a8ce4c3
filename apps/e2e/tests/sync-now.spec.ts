import { test, expect, signIn } from "./fixtures";

test("enable Integrations, Sync now to completion, then find a skipped member by reason and open its detail", async ({
  page,
}, testInfo) => {
  await signIn(page);
  await page.getByRole("link", { name: /Northside/ }).click();
  const block = page.locator('[data-source="integration"]');
  await expect(block.getByText("Never run")).toBeVisible();

  await page.getByRole("switch", { name: "Enable Integrations" }).click();
  await expect(page.getByRole("switch", { name: "Enable Integrations" })).toBeChecked();
  await block.getByRole("button", { name: "Sync now: Integrations" }).click();

  // Running… with a progress bar, then Sync complete with counts.
  await expect(block.getByText("Running…")).toBeVisible();
  await expect(block.getByRole("progressbar")).toBeVisible();
  await testInfo.attach("sync-running", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });
  await expect(block.getByText("Sync complete")).toBeVisible({ timeout: 30_000 });
  await expect(
    block.getByText(/Added \d+ · Updated \d+ · Skipped \d+ · Disabled 0 · Processed \d+/).first(),
  ).toBeVisible();
  await expect(block.getByText("Never run")).toHaveCount(0);
  await testInfo.attach("sync-complete", { body: await page.screenshot({ fullPage: true }), contentType: "image/png" });

  await page.getByRole("button", { name: "Sync activity & troubleshooting" }).click();
  await page.getByLabel("Search sync activity").fill("No phone or email");
  // Other specs connect more integrations to Northside whose people can be skipped too: take the partner's.
  const skippedRow = page
    .locator(".activity-table tbody tr")
    .filter({ hasText: "Skipped" })
    .filter({ hasText: "Demo Partner" })
    .first();
  await expect(skippedRow).toContainText("No phone or email on the record (a phone or email is required to log in)");
  await skippedRow.click();

  const detail = page.getByRole("dialog", { name: "Sync activity detail" });
  await expect(detail).toBeVisible();
  await expect(
    detail.getByText("No phone or email on the record (a phone or email is required to log in)"),
  ).toBeVisible();
  await expect(detail.getByText("Demo Partner")).toBeVisible();
  await expect(detail.getByText(/Pass: pas_/)).toBeVisible();
  await testInfo.attach("activity-detail", {
    body: await page.screenshot({ fullPage: true }),
    contentType: "image/png",
  });
});
