import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  startPushPressSimulator,
  type PushPressSimulator,
  type PushPressSimulatorOptions,
} from "../../src/pushpress/index";
import { CONTROL_KEY, control, json, startReceiver, type Receiver } from "../receiver";
import { loadPushPressSdk, type PushPressSdk } from "./sdk";

const API_KEY = "pp-key";
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});
let sdk: PushPressSdk;
beforeAll(async () => {
  sdk = await loadPushPressSdk();
}, 60_000);

async function start(options: Partial<PushPressSimulatorOptions> = {}): Promise<PushPressSimulator> {
  const sim = await startPushPressSimulator({
    controlKey: CONTROL_KEY,
    apiKeys: [API_KEY],
    customerCount: 40,
    ...options,
  });
  running.push(sim);
  return sim;
}
async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  running.push(r);
  return r;
}
function api(
  sim: PushPressSimulator,
  path: string,
  init: RequestInit & { key?: string | null; company?: string | null } = {},
): Promise<Response> {
  const { key = API_KEY, company = sim.companyId, ...rest } = init;
  return fetch(`${sim.apiBaseUrl}${path}`, {
    ...rest,
    headers: {
      ...(key === null ? {} : { "API-KEY": key }),
      ...(company === null ? {} : { "company-id": company }),
      "Content-Type": "application/json",
    },
  });
}
type Page<T> = { data: { resultArray: T[] } };

describe("PushPress listing and fetch-one", () => {
  it("pages customers with page / limit to the last page (the official SDK reads it all)", async () => {
    const sim = await start({ customerCount: 235 });
    const first = await json<Page<{ id: string }>>(api(sim, "/customers?page=1&limit=100"));
    expect(first.data.resultArray).toHaveLength(100);
    const last = await json<Page<{ id: string }>>(api(sim, "/customers?page=3&limit=100"));
    expect(last.data.resultArray).toHaveLength(35);
    expect((await json<Page<unknown>>(api(sim, "/customers?page=4&limit=100"))).data.resultArray).toEqual([]);
    expect((await json<Page<unknown>>(api(sim, "/customers"))).data.resultArray).toHaveLength(10);
    expect((await api(sim, "/customers?limit=101")).status).toBe(400);

    // The SDK validates every page against its own models and stops at the first short page.
    const client = sdk.client(sim.apiBaseUrl, API_KEY, sim.companyId);
    const ids: string[] = [];
    for await (const page of await client.customers.list({ limit: 100 }))
      ids.push(...page.result.data.resultArray.map((c) => c.id));
    expect(ids).toHaveLength(235);
    expect(new Set(ids).size).toBe(235);
    const roles = new Set(sim.company.customers.list().map((c) => c.role));
    for (const role of ["member", "ex-member", "non-member", "lead"]) expect(roles).toContain(role);
    expect(sim.company.customers.list().some((c) => c.account.type === "linked")).toBe(true);
  });

  it("fetches one customer and its enrollments with paidUntil; 404 once deleted", async () => {
    const sim = await start();
    const client = sdk.client(sim.apiBaseUrl, API_KEY, sim.companyId);
    const created = await json<{ id: string }>(
      control(sim.url, "/customers", { first: "Ada", last: "Lovelace", email: "ada@example.com", role: "member" }),
    );
    const enrollment = await json<{ id: string }>(
      control(sim.url, `/customers/${created.id}/enrollments`, { status: "active", paidUntil: "2027-01-31" }),
    );
    expect((await client.customers.get({ uuid: created.id })).name.first).toBe("Ada");
    const enrollments: Array<{ id: string; paidUntil?: string | null; status: string }> = [];
    for await (const page of await client.enrollment.list({ customerId: created.id, limit: 100 }))
      enrollments.push(...page.result.data.resultArray);
    expect(enrollments).toEqual([
      expect.objectContaining({ id: enrollment.id, paidUntil: "2027-01-31", status: "active" }),
    ]);
    expect((await json<{ paidUntil: string }>(api(sim, `/enrollments/${enrollment.id}`))).paidUntil).toBe("2027-01-31");
    const plan = await client.plans.get({ id: "plan_unlimited" });
    expect(plan).toMatchObject({ id: "plan_unlimited", policies: { allow24HourAccess: true } });
    expect((await api(sim, "/plans/plan_nope")).status).toBe(404);

    await control(sim.url, `/customers/${created.id}/delete`, {});
    const gone = await api(sim, `/customers/${created.id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ message: expect.stringContaining(created.id) });
  });
});

describe("PushPress authentication and limits", () => {
  it("tells a wrong key, a missing company, a wrong company, an unauthorized company and a missing permission apart", async () => {
    const sim = await start({
      apiKeys: [
        API_KEY,
        { key: "other-company-key", companyIds: ["cmp_elsewhere"] },
        { key: "webhooks-only", canReadCustomers: false },
      ],
    });
    expect((await api(sim, "/customers", { key: null })).status).toBe(401);
    expect((await api(sim, "/customers", { key: "wrong" })).status).toBe(401);
    expect((await api(sim, "/customers", { company: null })).status).toBe(400);
    expect((await api(sim, "/customers", { company: "cmp_nope" })).status).toBe(404);
    const unauthorized = await api(sim, "/customers", { key: "other-company-key" });
    expect(unauthorized.status).toBe(403);
    expect(((await unauthorized.json()) as { message: string }).message).toContain("not authorized for company");
    const noPermission = await api(sim, "/customers", { key: "webhooks-only" });
    expect(noPermission.status).toBe(403);
    expect(((await noPermission.json()) as { message: string }).message).toContain("permission");
    expect((await sdk.client(sim.apiBaseUrl, API_KEY, sim.companyId).company.get({})).id).toBe(sim.companyId);
  });

  it("answers 429 with Retry-After past its rate limit and counts calls per key", async () => {
    const frozen = Date.now();
    const sim = await start({ rateLimitPerSecond: 3, now: () => frozen });
    const statuses = await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        api(sim, "/company").then((r) => ({ status: r.status, retryAfter: r.headers.get("retry-after") })),
      ),
    );
    expect(statuses.filter((s) => s.status === 429)).toHaveLength(2);
    expect(statuses.find((s) => s.status === 429)?.retryAfter).toMatch(/^\d+$/);
    const usage = await json<{ keys: Record<string, { calls: number }> }>(control(sim.url, "/usage"));
    expect(usage.keys[API_KEY]?.calls).toBe(5);
  });
});

describe("PushPress webhooks", () => {
  it("creates, deactivates, activates and rotates webhooks; deliveries verify with the official SDK and fail with a stale secret", async () => {
    const sim = await start({ delivery: { retryDelaysMs: [] } });
    const target = await receiver();
    const client = sdk.client(sim.apiBaseUrl, API_KEY, sim.companyId);
    const webhook = await client.manageWebhooks.create({
      requestBody: {
        url: target.url,
        eventTypes: ["customer.created", "customer.status.changed", "customer.deleted", "enrollment.status.changed"],
      },
    });
    expect(webhook.signingSecret).toMatch(/^whsec_/);

    const customer = await json<{ id: string }>(
      control(sim.url, "/customers", { first: "Grace", last: "Hopper", role: "member" }),
    );
    await control(sim.url, "/customers", { id: customer.id, role: "ex-member" });
    const [created, statusChanged] = await target.waitForPosts(2);
    for (const post of [created!, statusChanged!]) {
      const request = new Request(target.url, {
        method: "POST",
        headers: post.headers as Record<string, string>,
        body: post.body,
      });
      const verified = await sdk.validateWebhook(request, webhook.signingSecret);
      expect(verified.ok, verified.error?.message).toBe(true);
      const stale = await sdk.validateWebhook(
        new Request(target.url, { method: "POST", headers: post.headers as Record<string, string>, body: post.body }),
        "whsec_wrong",
      );
      expect(stale.ok).toBe(false);
    }
    const parsedCreated = JSON.parse(created!.body) as {
      event: string;
      created: number;
      data: { id: string; role: string };
    };
    expect(parsedCreated).toMatchObject({ event: "customer.created", data: { id: customer.id, role: "member" } });
    expect(Number.isInteger(parsedCreated.created)).toBe(true);
    expect(JSON.parse(statusChanged!.body)).toMatchObject({
      event: "customer.status.changed",
      data: { role: "ex-member" },
    });

    // An altered body (the data re-serialised differently) no longer matches the signature.
    const tampered = created!.body.replace('"Grace"', '"Gracie"');
    expect(
      (
        await sdk.validateWebhook(
          new Request(target.url, {
            method: "POST",
            headers: created!.headers as Record<string, string>,
            body: tampered,
          }),
          webhook.signingSecret,
        )
      ).ok,
    ).toBe(false);

    // Documented answer: 204 without a body (the SDK 1.14.0's own activate/deactivate cannot parse that, so plain fetch here).
    const deactivated = await api(sim, `/webhooks/${webhook.id}/deactivate`, { method: "PATCH" });
    expect(deactivated.status).toBe(204);
    await control(sim.url, `/customers/${customer.id}/delete`, {});
    await sim.webhooksIdle();
    expect(target.posts()).toHaveLength(2);

    expect((await api(sim, `/webhooks/${webhook.id}/activate`, { method: "PATCH" })).status).toBe(204);
    const rotated = await client.manageWebhooks.rotateSecret({ uuid: webhook.id });
    expect(rotated.webhookUuid).toBe(webhook.id);
    expect(rotated.signingSecret).not.toBe(webhook.signingSecret);
    const other = await json<{ id: string }>(
      control(sim.url, "/customers", { first: "Alan", last: "Turing", role: "member" }),
    );
    await control(sim.url, `/customers/${other.id}/delete`, {});
    const posts = await target.waitForPosts(4);
    const deleted = posts.find((p) => p.body.includes('"customer.deleted"'))!;
    expect(JSON.parse(deleted.body)).toMatchObject({
      event: "customer.deleted",
      data: { id: other.id, companyId: sim.companyId },
    });
    const headers = deleted.headers as Record<string, string>;
    expect(
      (
        await sdk.validateWebhook(
          new Request(target.url, { method: "POST", headers, body: deleted.body }),
          rotated.signingSecret,
        )
      ).ok,
    ).toBe(true);
    expect(
      (
        await sdk.validateWebhook(
          new Request(target.url, { method: "POST", headers, body: deleted.body }),
          webhook.signingSecret,
        )
      ).ok,
    ).toBe(false);
  });

  it("sends enrollment events and retries a failing receiver", async () => {
    const target = await receiver();
    const sim = await start({
      webhookTarget: { url: target.url, signingSecret: "whsec_configured" },
      delivery: { retryDelaysMs: [10, 10], timeoutMs: 300 },
    });
    const customer = sim.company.customers.list()[0]!;
    target.behave({ postStatus: 503 });
    const enrollment = await json<{ id: string }>(
      control(sim.url, `/customers/${customer.id}/enrollments`, { status: "active", paidUntil: "2027-02-28" }),
    );
    await sim.webhooksIdle();
    expect(target.posts()).toHaveLength(3);
    target.behave({ postStatus: 200 });
    await control(sim.url, `/customers/${customer.id}/enrollments`, { id: enrollment.id, status: "paused" });
    await sim.webhooksIdle();
    const last = target.posts().at(-1)!;
    expect(JSON.parse(last.body)).toMatchObject({
      event: "enrollment.status.changed",
      data: { id: enrollment.id, status: "paused", paidUntil: "2027-02-28" },
    });
    expect(
      (
        await sdk.validateWebhook(
          new Request(target.url, { method: "POST", headers: last.headers as Record<string, string>, body: last.body }),
          "whsec_configured",
        )
      ).ok,
    ).toBe(true);
    const state = await json<{ deliveries: { failedMessages: number; delivered: number } }>(
      control(sim.url, "/webhooks"),
    );
    expect(state.deliveries).toMatchObject({ failedMessages: 1, delivered: 1 });
  });
});

describe("PushPress traps and control", () => {
  it("one page then nothing, a shrunken listing, 100,000 generated customers", async () => {
    const sim = await start({ customerCount: 250 });
    await control(sim.url, "/traps", { onePageThenNothing: true });
    expect((await json<Page<unknown>>(api(sim, "/customers?page=1&limit=100"))).data.resultArray).toHaveLength(100);
    expect((await json<Page<unknown>>(api(sim, "/customers?page=2&limit=100"))).data.resultArray).toHaveLength(0);
    await control(sim.url, "/traps", { shrinkTo: 5 });
    expect((await json<Page<unknown>>(api(sim, "/customers?page=1&limit=100"))).data.resultArray).toHaveLength(5);
    await control(sim.url, "/traps", {});
    expect((await json<Page<unknown>>(api(sim, "/customers?page=3&limit=100"))).data.resultArray).toHaveLength(50);
    expect((await control(sim.url, "/customers", { role: "gold" })).status).toBe(400);
    expect((await control(sim.url, "/traps", {}, "wrong")).status).toBe(401);

    const generated = await json<{ customers: number; ms: number }>(
      control(sim.url, "/generate", { count: 100_000, seed: 3 }),
    );
    expect(generated.customers).toBe(100_000);
    expect((await json<Page<unknown>>(api(sim, "/customers?page=1000&limit=100"))).data.resultArray).toHaveLength(100);
  }, 60_000);
});
