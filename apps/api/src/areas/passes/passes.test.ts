import { describe, it, expect, beforeAll } from "vitest";
import { env, SELF } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { accessUser, insertIntegration, syncPass, updateSyncSettings } from "@uas/db";
import { createTenant, signIn, testDb, trpcMutation, trpcQuery, type Tenant } from "../../../test/support";

type PassView = {
  passId: string;
  state: "running" | "complete" | "failed" | "held";
  reason: string | null;
  counts: { added: number; updated: number; skipped: number; disabled: number; processed: number };
  progress: { pagesDone: number; recordsDone: number };
};

async function connectDemoPartner(tenant: Tenant) {
  return insertIntegration(
    testDb(),
    {
      organisationId: tenant.organisation.id,
      name: "Demo Partner",
      baseUrl: env.DEMO_PARTNER_URL,
      apiKey: env.DEMO_PARTNER_KEY,
      locations: { "loc-north": tenant.granted.id },
    },
    Date.now(),
  );
}

async function waitForPass(cookie: string, facilityId: string, passId: string, timeoutMs = 15_000): Promise<PassView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await trpcQuery("passes.get", { facilityId, passId }, cookie);
    const view = body.result?.data as PassView;
    if (view.state !== "running" || Date.now() > deadline) return view;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("Sync now over the queue", () => {
  let tenant: Tenant;
  let cookie: string;
  beforeAll(async () => {
    tenant = await createTenant();
    cookie = await signIn(tenant.admin.email, tenant.admin.password);
    await connectDemoPartner(tenant);
    await updateSyncSettings(testDb(), tenant.granted.id, { integrationsEnabled: true }, Date.now());
  });

  it("runs a full pass in bounded steps and ends Sync complete with counts", async () => {
    const { status, body } = await trpcMutation(
      "passes.syncNow",
      { facilityId: tenant.granted.id, source: "integration" },
      cookie,
    );
    expect(status).toBe(200);
    const started = body.result?.data as { started: boolean; pass: PassView };
    expect(started.started).toBe(true);

    // "Sync now" while it runs returns the running pass.
    const again = await trpcMutation(
      "passes.syncNow",
      { facilityId: tenant.granted.id, source: "integration" },
      cookie,
    );
    const joined = again.body.result?.data as { started: boolean; pass: PassView };
    if (joined.pass.state === "running") {
      expect(joined.started).toBe(false);
      expect(joined.pass.passId).toBe(started.pass.passId);
    }

    const done = await waitForPass(cookie, tenant.granted.id, started.pass.passId);
    expect(done.state).toBe("complete");
    // 300 members in pages of 40: eight pages, two per queue message.
    expect(done.progress.recordsDone).toBe(300);
    expect(done.progress.pagesDone).toBe(8);
    expect(done.counts.added).toBeGreaterThan(100);
    expect(done.counts.skipped).toBeGreaterThan(0);

    const rows = await testDb().$count(accessUser, eq(accessUser.facilityId, tenant.granted.id));
    expect(rows).toBe(done.counts.added);

    const settings = await trpcQuery("syncSettings.get", { facilityId: tenant.granted.id }, cookie);
    const block = (
      settings.body.result?.data as { sources: Array<{ source: string; lastRun: { state: string } | null }> }
    ).sources[0];
    expect(block?.lastRun?.state).toBe("complete");
  });

  it("a second pass over the unchanged listing adds and disables nobody", async () => {
    const { body } = await trpcMutation(
      "passes.syncNow",
      { facilityId: tenant.granted.id, source: "integration" },
      cookie,
    );
    const pass = (body.result?.data as { pass: PassView }).pass;
    const done = await waitForPass(cookie, tenant.granted.id, pass.passId);
    expect(done.state).toBe("complete");
    expect(done.counts.added).toBe(0);
    expect(done.counts.disabled).toBe(0);
    expect(done.counts.processed).toBeGreaterThan(100);
  });

  it("shows the pass's activity, searchable by reason", async () => {
    const { body } = await trpcQuery(
      "activity.list",
      { facilityId: tenant.granted.id, search: "No phone or email", limit: 5 },
      cookie,
    );
    const page = body.result?.data as { entries: Array<{ outcome: string; reason: string; sourceLabel: string }> };
    expect(page.entries.length).toBeGreaterThan(0);
    for (const entry of page.entries) {
      expect(entry.outcome).toBe("skipped");
      expect(entry.reason).toContain("No phone or email on the record (a phone or email is required to log in)");
      expect(entry.sourceLabel).toBe("Demo Partner");
    }
  });

  it("exports the current filter as CSV, only to admins of the facility", async () => {
    const url = `http://web.test/api/facilities/${tenant.granted.id}/activity.csv?outcome=skipped`;
    const res = await SELF.fetch(url, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "Time,Outcome,Name,External ID,Source,Reason,Changed fields,Pass ID,Webhook ID,User ID,Entry ID",
    );
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((line) => line.includes(",Skipped,"))).toBe(true);

    const other = await createTenant();
    const otherCookie = await signIn(other.admin.email, other.admin.password);
    const refused = await SELF.fetch(url, { headers: { cookie: otherCookie } });
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain("Skipped");
    expect((await SELF.fetch(url)).status).toBe(401);
  });

  it("refuses another facility's pass id", async () => {
    const other = await createTenant();
    const otherCookie = await signIn(other.admin.email, other.admin.password);
    const [pass] = await testDb().select().from(syncPass).where(eq(syncPass.facilityId, tenant.granted.id)).limit(1);
    const { status, body } = await trpcQuery(
      "passes.get",
      { facilityId: other.granted.id, passId: pass!.id },
      otherCookie,
    );
    expect(status).toBe(404);
    expect(body.result).toBeUndefined();
  });
});

describe("nightly reconciliation end to end", () => {
  it("a cron firing twice for the same night starts one pass", async () => {
    const tenant = await createTenant();
    await connectDemoPartner(tenant);
    await updateSyncSettings(testDb(), tenant.granted.id, { integrationsEnabled: true }, Date.now());
    const { default: worker } = await import("../..");
    const { createExecutionContext, createScheduledController, waitOnExecutionContext } = await import(
      "cloudflare:test"
    );
    const fire = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ scheduledTime: Date.UTC(2026, 10, 24, 4, 15), cron: "*/15 * * * *" }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    };
    await Promise.all([fire(), fire()]);
    await fire();
    const deadline = Date.now() + 15_000;
    let passes: Array<typeof syncPass.$inferSelect> = [];
    while (Date.now() < deadline) {
      passes = await testDb()
        .select()
        .from(syncPass)
        .where(and(eq(syncPass.facilityId, tenant.granted.id), eq(syncPass.nightlyDate, "2026-11-24")));
      if (passes.length > 0 && passes.every((p) => p.state !== "running")) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(passes).toHaveLength(1);
    expect(passes[0]).toMatchObject({ trigger: "nightly", state: "complete", source: "integration" });
  });
});
