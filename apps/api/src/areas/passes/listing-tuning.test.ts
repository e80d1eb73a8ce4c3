import { describe, it, expect, beforeAll } from "vitest";
import { env } from "cloudflare:test";
import { insertIntegration } from "@uas/db";
import { createTenant, signIn, testDb, trpcQuery, type Tenant } from "../../../test/support";

/**
 * The tRPC context is built by the composition root like the queues' and the cron's, so the dry run and
 * "Sync this person now" read the source with the `LISTING_*` bindings too (vitest.config.ts sets
 * LISTING_PAGE_SIZE 40). The partner here fails its second members page: a listing read 40 at a time
 * reaches it; one read 1,000 at a time (the default the tRPC context used to fall back to) does not.
 */
describe("listing tuning in tRPC calls", () => {
  let tenant: Tenant;
  let cookie: string;

  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
    await insertIntegration(
      testDb(),
      {
        organisationId: tenant.organisation.id,
        name: "Second page fails",
        baseUrl: env.SECOND_PAGE_FAILS_PARTNER_URL,
        apiKey: env.DEMO_PARTNER_KEY,
        locations: { "loc-north": tenant.granted.id },
      },
      Date.now(),
    );
  });

  it("the dry run reads the listing in LISTING_PAGE_SIZE pages", async () => {
    const listing = await fetch(`${env.SECOND_PAGE_FAILS_PARTNER_URL}/members?limit=40`, {
      headers: { authorization: `Bearer ${env.DEMO_PARTNER_KEY}` },
    });
    expect(listing.status).toBe(200);
    const firstPage = (await listing.json()) as { data: unknown[]; next_cursor: string | null };
    expect(firstPage.data).toHaveLength(40);
    expect(firstPage.next_cursor).not.toBeNull();

    const { status, body } = await trpcQuery(
      "passes.preview",
      { facilityId: tenant.granted.id, source: "integration", enableSource: true },
      cookie,
    );
    // The second page's 503 (after the listing's retries) fails the dry run: it was read 40 at a time.
    expect(status).toBe(500);
    expect(body.error?.data.code).toBe("INTERNAL_SERVER_ERROR");
  });
});
