import { parseSourceEvent } from "@uas/domain";
import { describe, expect, it } from "vitest";
import type { InboundDelivery, InboundWebhook } from "../../src";
import { pushpressConnector } from "../../src/pushpress";
import { control, startReceiver } from "../support";
import { pushpressContext, sdkSign, startPushPress } from "./helpers";

const webhooks = pushpressConnector.webhooks!;
const subscriptions = pushpressConnector.subscriptions!;
const NOW = Date.parse("2026-12-02T12:00:00Z");
const COMPANY = "cmp_8f2d1c0e-northside";

function inbound(rawBody: string, signature?: string): InboundWebhook {
  return {
    method: "POST",
    headers: signature === undefined ? {} : { "webhook-signature": signature },
    rawBody,
    url: "https://uas.example/webhooks/integrations/int_2",
  };
}

function only(request: InboundWebhook, credentials?: Record<string, string>): InboundDelivery {
  const parsed = webhooks.parse(request, credentials);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  expect(parsed.deliveries).toHaveLength(1);
  return parsed.deliveries[0] as InboundDelivery;
}

const customer = (overrides: Record<string, unknown> = {}) => ({
  id: "cus_1",
  companyId: COMPANY,
  name: { first: "Ada", last: "Lovelace", nickname: null },
  email: "ada@example.com",
  phone: "+447700900123",
  role: "member",
  account: { type: "primary" },
  ...overrides,
});

const body = (event: string, data: unknown, created = 1764676800) => JSON.stringify({ event, created, data });

describe("PushPress webhook signatures (the official SDK signs)", () => {
  const raw = body("customer.created", customer());

  it("accepts what the SDK signs, with the current or the previous secret", async () => {
    expect(await webhooks.verify(inbound(raw, await sdkSign(raw, "whsec_now")), ["whsec_now"], NOW)).toEqual({
      ok: true,
    });
    expect(
      await webhooks.verify(inbound(raw, await sdkSign(raw, "whsec_old")), ["whsec_now", "whsec_old"], NOW),
    ).toEqual({
      ok: true,
    });
    // The signature is over JSON.stringify(body.data): a re-spaced body with the same data still verifies.
    const spaced = JSON.stringify(JSON.parse(raw), null, 2);
    expect(await webhooks.verify(inbound(spaced, await sdkSign(raw, "whsec_now")), ["whsec_now"], NOW)).toEqual({
      ok: true,
    });
  });

  it("refuses a wrong secret, altered data, a missing or malformed signature", async () => {
    const ok = async (request: InboundWebhook) => (await webhooks.verify(request, ["whsec_now"], NOW)).ok;
    expect(await ok(inbound(raw, await sdkSign(raw, "whsec_other")))).toBe(false);
    expect(await ok(inbound(raw.replace("Lovelace", "Byron"), await sdkSign(raw, "whsec_now")))).toBe(false);
    expect(await ok(inbound(raw))).toBe(false);
    expect(await ok(inbound(raw, "zz-not-hex"))).toBe(false);
    expect(await ok(inbound("not json", await sdkSign(raw, "whsec_now")))).toBe(false);
  });
});

describe("PushPress webhook bodies", () => {
  it("customer events are upserts the domain accepts; ex-member and customer.deleted are removals", () => {
    const created = only(inbound(body("customer.created", customer())));
    expect(created.change).toMatchObject({
      kind: "upsert",
      record: {
        external_id: "cus_1",
        person_type: "member",
        membership_status: "member",
        updated_at: "2025-12-02T12:00:00.000Z",
      },
    });
    expect(
      parseSourceEvent("integration", { type: "member.upserted", data: (created.change as { record: unknown }).record })
        .ok,
    ).toBe(true);
    const left = only(inbound(body("customer.status.changed", customer({ role: "ex-member" })))).change;
    expect(left).toEqual({
      kind: "removal",
      record: { external_id: "cus_1", location_ids: [COMPANY], updated_at: "2025-12-02T12:00:00.000Z" },
    });
    expect(
      parseSourceEvent("integration", { type: "member.removed", data: (left as { record: unknown }).record }).ok,
    ).toBe(true);
    expect(only(inbound(body("customer.deleted", { id: "cus_1", companyId: COMPANY }))).change.kind).toBe("removal");
    expect(
      only(inbound(body("enrollment.status.changed", { id: "enr_1", customerId: "cus_1", status: "paused" }))).change,
    ).toEqual({
      kind: "fetch",
      externalId: "cus_1",
    });
    expect(only(inbound(body("enrollment.deleted", { id: "enr_1" }))).change.kind).toBe("ignored");
    expect(only(inbound(body("checkin.created", { id: "chk_1" }))).change.kind).toBe("ignored");
  });

  it("keys idempotency on the event, its second and its data: a redelivery repeats the key, another change does not", () => {
    const raw = body("customer.details.changed", customer());
    expect(only(inbound(raw)).eventId).toBe(only(inbound(raw)).eventId);
    expect(only(inbound(body("customer.details.changed", customer({ phone: null })))).eventId).not.toBe(
      only(inbound(raw)).eventId,
    );
    expect(only(inbound(body("customer.details.changed", customer(), 1764676801))).eventId).not.toBe(
      only(inbound(raw)).eventId,
    );
  });

  it("ignores another company's events when the credentials are given; names the field path of what is wrong", () => {
    expect(only(inbound(body("customer.created", customer())), { companyId: "cmp_other" }).change.kind).toBe("ignored");
    const issues = (raw: string) => {
      const parsed = webhooks.parse(inbound(raw));
      return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
    };
    expect(issues("[")).toEqual([""]);
    expect(issues(JSON.stringify({ event: "customer.created", data: customer() }))).toEqual(["created"]);
    expect(issues(body("customer.created", customer({ name: { first: 3 } })))).toEqual(["data.name.first"]);
    expect(issues(body("customer.deleted", { companyId: COMPANY }))).toEqual(["data.id"]);
  });
});

describe("PushPress webhooks through the simulator", () => {
  it("creates the webhook through the API, verifies and parses what PushPress sends, rotates the secret", async () => {
    const receiver = await startReceiver();
    const sim = await startPushPress({ customerCount: 10 });
    const context = pushpressContext(sim);
    const { signingSecret } = await subscriptions.ensure(context, receiver.url);
    const hooks = await control<{ webhooks: Array<{ url: string; active: boolean }> }>(sim.url, "/webhooks");
    expect(hooks.webhooks).toEqual([expect.objectContaining({ url: receiver.url, active: true })]);

    const [a, b] = sim.company.customers.list().filter((c) => c.role === "member");
    await control(sim.url, "/customers", { id: a?.id, last: "Renamed" });
    await control(sim.url, `/customers/${b?.id}/delete`, {});
    const posts = await receiver.waitForPosts(2);
    const kinds = [];
    for (const post of posts) {
      expect(await webhooks.verify(post, [signingSecret], Date.now())).toEqual({ ok: true });
      kinds.push(only(post, { companyId: sim.companyId }).change.kind);
    }
    expect(kinds.sort()).toEqual(["removal", "upsert"]);

    const rotated = await subscriptions.rotate(context, receiver.url);
    expect(rotated.signingSecret).not.toBe(signingSecret);
    await control(sim.url, "/customers", { id: a?.id, last: "Again" });
    const [, , third] = await receiver.waitForPosts(3);
    expect(await webhooks.verify(third as InboundWebhook, [rotated.signingSecret, signingSecret], Date.now())).toEqual({
      ok: true,
    });
    expect((await webhooks.verify(third as InboundWebhook, [signingSecret], Date.now())).ok).toBe(false);

    // Ensuring again finds the webhook (no second one) and learns a fresh secret by rotating it.
    const again = await subscriptions.ensure(context, receiver.url);
    expect(again.signingSecret).not.toBe(rotated.signingSecret);
    const after = await control<{ webhooks: Array<{ url: string }> }>(sim.url, "/webhooks");
    expect(after.webhooks.filter((w) => w.url === receiver.url)).toHaveLength(1);
  });
});

describe("PushPress redeliveries", () => {
  it("a delivery PushPress retries after a failed answer parses to the same idempotency key", async () => {
    const receiver = await startReceiver();
    const sim = await startPushPress({ customerCount: 5, delivery: { retryDelaysMs: [30] } });
    const { signingSecret } = await subscriptions.ensure(pushpressContext(sim), receiver.url);
    receiver.postStatus.value = 500;
    const [c] = sim.company.customers.list();
    await control(sim.url, "/customers", { id: c?.id, last: "Retried" });
    const [first, second] = await receiver.waitForPosts(2);
    expect(await webhooks.verify(second as InboundWebhook, [signingSecret], Date.now())).toEqual({ ok: true });
    expect(only(second as InboundWebhook).eventId).toBe(only(first as InboundWebhook).eventId);
  });
});
