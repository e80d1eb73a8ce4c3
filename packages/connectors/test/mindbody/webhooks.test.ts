import { parseSourceEvent } from "@uas/domain";
import { describe, expect, it } from "vitest";
import type { InboundDelivery, InboundWebhook } from "../../src";
import { mindbodyConnector } from "../../src/mindbody";
import { control, startReceiver } from "../support";
import { mindbodyContext, signMindbody, startMindbody } from "./helpers";

const webhooks = mindbodyConnector.webhooks!;
const subscriptions = mindbodyConnector.subscriptions!;
const NOW = Date.parse("2026-12-02T12:00:00Z");

function inbound(rawBody: string, signature?: string): InboundWebhook {
  return {
    method: "POST",
    headers: signature === undefined ? {} : { "x-mindbody-signature": signature },
    rawBody,
    url: "https://uas.example/webhooks/integrations/int_1",
  };
}

function only(request: InboundWebhook, credentials?: Record<string, string>): InboundDelivery {
  const parsed = webhooks.parse(request, credentials);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  expect(parsed.deliveries).toHaveLength(1);
  return parsed.deliveries[0] as InboundDelivery;
}

function body(eventId: string, eventData: Record<string, unknown>, messageId = "msg-1"): string {
  return JSON.stringify({
    messageId,
    eventId,
    eventSchemaVersion: 1,
    eventInstanceOriginationDateTime: "2026-12-02T11:59:58Z",
    eventData: { siteId: -99, ...eventData },
  });
}

describe("Mindbody webhook signatures (an independent signer from the public format)", () => {
  const raw = body("client.updated", { clientId: "A1", clientUniqueId: 100000007, status: "Active", homeLocation: 1 });

  it("accepts the signer's signature with the current or the previous key", async () => {
    expect(await webhooks.verify(inbound(raw, signMindbody(raw, "key-now")), ["key-now"], NOW)).toEqual({ ok: true });
    expect(
      await webhooks.verify(inbound(raw, signMindbody(raw, "key-before")), ["key-now", "key-before"], NOW),
    ).toEqual({
      ok: true,
    });
  });

  it("checks the bytes as received when the route passes them", async () => {
    const bytes = new TextEncoder().encode(raw);
    const request = { ...inbound(raw, signMindbody(raw, "key-now")), rawBytes: bytes };
    expect(await webhooks.verify(request, ["key-now"], NOW)).toEqual({ ok: true });
    const altered = Uint8Array.from(bytes);
    altered[altered.length - 2] = (altered[altered.length - 2] ?? 0) ^ 1;
    expect((await webhooks.verify({ ...request, rawBytes: altered }, ["key-now"], NOW)).ok).toBe(false);
  });

  it("refuses a wrong key, an altered body, a missing or malformed header", async () => {
    const refused = async (request: InboundWebhook) => (await webhooks.verify(request, ["key-now"], NOW)).ok;
    expect(await refused(inbound(raw, signMindbody(raw, "another-key")))).toBe(false);
    expect(await refused(inbound(raw.replace("Active", "Expired"), signMindbody(raw, "key-now")))).toBe(false);
    expect(await refused(inbound(raw))).toBe(false);
    expect(await refused(inbound(raw, signMindbody(raw, "key-now").replace("sha256=", "sha1=")))).toBe(false);
    expect(await refused(inbound(raw, "sha256=not base64!"))).toBe(false);
  });

  it("answers Mindbody's HEAD probe with a 2xx", () => {
    expect(webhooks.probeStatus).toBe(200);
  });
});

describe("Mindbody webhook bodies", () => {
  it("client.created/updated with a home location is an upsert the domain accepts unchanged", () => {
    const delivery = only(
      inbound(
        body("client.created", {
          clientId: "A1",
          clientUniqueId: 100000007,
          status: "Suspended",
          firstName: "Ada",
          lastName: "Lovelace",
          email: "ada@example.com",
          mobilePhone: null,
          homePhone: null,
          workPhone: "+15555550100",
          isProspect: false,
          homeLocation: 2,
        }),
      ),
    );
    expect(delivery.eventId).toBe("msg-1");
    expect(delivery.change).toMatchObject({
      kind: "upsert",
      record: {
        external_id: "100000007",
        membership_status: "Suspended",
        mobile_phone: "+15555550100",
        location_ids: ["2"],
      },
    });
    const record = (delivery.change as { record: unknown }).record;
    expect(parseSourceEvent("integration", { type: "member.upserted", data: record }).ok).toBe(true);
  });

  it("an event whose facility cannot be told is a fetch; deactivation a removal; a merge names both UniqueIds", () => {
    expect(
      only(inbound(body("client.updated", { clientId: "A1", clientUniqueId: 7, homeLocation: null }))).change,
    ).toEqual({
      kind: "fetch",
      externalId: "7",
    });
    const removal = only(inbound(body("client.deactivated", { clientId: "A1", clientUniqueId: 7 }))).change;
    expect(removal).toEqual({
      kind: "removal",
      record: { external_id: "7", location_ids: [], updated_at: "2026-12-02T11:59:58.000Z" },
    });
    expect(
      parseSourceEvent("integration", { type: "member.removed", data: (removal as { record: unknown }).record }).ok,
    ).toBe(true);
    expect(
      only(
        inbound(
          body("clientProfileMerger.created", {
            mergeDateTime: "2026-12-02T11:59:00Z",
            keptClientId: "A1",
            keptClientUniqueId: 7,
            removedClientUniqueId: 9,
          }),
        ),
      ).change,
    ).toEqual({ kind: "merge", keptExternalId: "7", removedExternalId: "9", updatedAt: "2026-12-02T11:59:00.000Z" });
    expect(only(inbound(body("clientContract.cancelled", { clientId: "A1", clientUniqueId: 7 }))).change).toEqual({
      kind: "fetch",
      externalId: "7",
    });
    expect(
      only(inbound(body("clientMembershipAssignment.cancelled", { clientId: "A1", membershipId: 3 }))).change,
    ).toEqual({ kind: "fetch", externalId: "Id:A1" });
    expect(only(inbound(body("staff.created", { staffId: 1 }))).change.kind).toBe("ignored");
  });

  it("ignores another site's events when the integration's credentials are given", () => {
    const raw = body("client.deactivated", { clientId: "A1", clientUniqueId: 7 });
    expect(only(inbound(raw), { siteId: "-99" }).change.kind).toBe("removal");
    expect(only(inbound(raw), { siteId: "123" }).change).toMatchObject({ kind: "ignored" });
  });

  it("names the field path of what is wrong", () => {
    const issues = (raw: string) => {
      const parsed = webhooks.parse(inbound(raw));
      return parsed.ok ? [] : parsed.issues.map((issue) => issue.path);
    };
    expect(issues("not json")).toEqual([""]);
    expect(issues(JSON.stringify({ eventId: "client.updated", eventData: {} }))).toContain("messageId");
    expect(issues(body("client.updated", { clientId: "A1", clientUniqueId: "seven" }))).toEqual([
      "eventData.clientUniqueId",
    ]);
    expect(issues(body("clientProfileMerger.created", { keptClientUniqueId: 7 }))).toEqual([
      "eventData.removedClientUniqueId",
    ]);
  });
});

describe("Mindbody subscriptions and deliveries through the simulator", () => {
  it("creates and activates the subscription (HEAD probe), then verifies and parses what Mindbody sends", async () => {
    const receiver = await startReceiver();
    const sim = await startMindbody({ clientCount: 20, delivery: { retryDelaysMs: [20] } });
    const context = mindbodyContext(sim);
    const { signingSecret } = await subscriptions.ensure(context, receiver.url);
    const state = await control<{ subscriptions: Array<{ status: string; webhookUrl: string }> }>(sim.url, "/webhooks");
    expect(state.subscriptions).toEqual([expect.objectContaining({ status: "Active", webhookUrl: receiver.url })]);

    const [kept, removed, third] = sim.site.store.list().filter((e) => e.client.Active);
    await control(sim.url, "/clients", { Id: kept?.client.Id, FirstName: "Renamed" });
    await control(sim.url, "/merge", { keptClientId: kept?.client.Id, removedClientId: removed?.client.Id });
    await control(sim.url, `/clients/${third?.client.Id}/deactivate`, {});
    const posts = await receiver.waitForPosts(3);
    const changes = [];
    for (const post of posts) {
      expect(await webhooks.verify(post, [signingSecret], Date.now())).toEqual({ ok: true });
      expect(await webhooks.verify(post, ["wrong"], Date.now())).toMatchObject({ ok: false, status: 401 });
      changes.push(only(post, { siteId: String(sim.siteId) }).change);
    }
    expect(changes).toHaveLength(3);
    // Deliveries race each other: no order is promised.
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "upsert", record: expect.objectContaining({ first_name: "Renamed" }) }),
        expect.objectContaining({
          kind: "merge",
          keptExternalId: String(kept?.client.UniqueId),
          removedExternalId: String(removed?.client.UniqueId),
        }),
        expect.objectContaining({
          kind: "removal",
          record: expect.objectContaining({ external_id: String(third?.client.UniqueId) }),
        }),
      ]),
    );

    // A replayed messageId (same bytes, same signature) parses to the same idempotency key.
    const firstId = (JSON.parse(posts[0]?.rawBody ?? "{}") as { messageId: string }).messageId;
    expect(only(posts[0] as InboundWebhook).eventId).toBe(firstId);
    await control(sim.url, `/messages/${firstId}/replay`, {});
    const replay = (await receiver.waitForPosts(4))[3];
    expect(replay?.rawBody).toBe(posts[0]?.rawBody);
    expect(only(replay as InboundWebhook).eventId).toBe(only(posts[0] as InboundWebhook).eventId);
  });

  it("rotates the key: a new active subscription, the old one deactivated; deliveries sign with the new key", async () => {
    const receiver = await startReceiver();
    const sim = await startMindbody({ clientCount: 5 });
    const context = mindbodyContext(sim);
    const first = await subscriptions.ensure(context, receiver.url);
    const second = await subscriptions.rotate(context, receiver.url);
    expect(second.signingSecret).not.toBe(first.signingSecret);
    const state = await control<{ subscriptions: Array<{ status: string }> }>(sim.url, "/webhooks");
    expect(state.subscriptions.map((s) => s.status).sort()).toEqual(["Active", "DeactivatedByUser"]);
    const [client] = sim.site.store.list();
    await control(sim.url, "/clients", { Id: client?.client.Id, LastName: "Rotated" });
    const [post] = await receiver.waitForPosts(1);
    expect(await webhooks.verify(post as InboundWebhook, [second.signingSecret], Date.now())).toEqual({ ok: true });
    expect((await webhooks.verify(post as InboundWebhook, [first.signingSecret], Date.now())).ok).toBe(false);
  });

  it("says when Mindbody cannot reach the URL to activate it, and reports delivery failures from GET /metrics", async () => {
    const sim = await startMindbody({ clientCount: 5, delivery: { retryDelaysMs: [10], probeTimeoutMs: 500 } });
    const context = mindbodyContext(sim);
    await expect(subscriptions.ensure(context, "http://127.0.0.1:9/webhooks/integrations/x")).rejects.toMatchObject({
      problem: "unreachable",
    });
    const receiver = await startReceiver();
    await subscriptions.ensure(context, receiver.url);
    expect(await subscriptions.deliveryFailures?.(context)).toBe(0);
    receiver.postStatus.value = 500;
    const [client] = sim.site.store.list();
    await control(sim.url, "/clients", { Id: client?.client.Id, LastName: "Failing" });
    await receiver.waitForPosts(2);
    await sim.webhooksIdle();
    expect(await subscriptions.deliveryFailures?.(context)).toBe(1);
    await expect(
      subscriptions.ensure({ ...context, credentials: { ...context.credentials, apiKey: "wrong" } }, receiver.url),
    ).rejects.toMatchObject({ problem: "wrong-credentials" });
  });
});
