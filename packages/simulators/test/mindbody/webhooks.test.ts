import { describe, expect, it } from "vitest";
import { control, json } from "../receiver";
import { API_KEY, receiver, startMindbody } from "./helpers";
import { verifyMindbodySignature } from "./verifier";

interface Message {
  messageId: string;
  eventId: string;
  eventSchemaVersion: number;
  eventInstanceOriginationDateTime: string;
  eventData: Record<string, unknown>;
}

function push(
  base: string,
  path: string,
  method: string,
  body?: unknown,
  key: string | null = API_KEY,
): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { ...(key === null ? {} : { "API-Key": key }), "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const CLIENT_EVENTS = [
  "client.created",
  "client.updated",
  "client.deactivated",
  "clientProfileMerger.created",
  "clientMembershipAssignment.created",
  "clientMembershipAssignment.cancelled",
];

describe("Mindbody Webhooks API", () => {
  it("creates a subscription showing the messageSignatureKey once, activates it only after a 2xx HEAD probe", async () => {
    const sim = await startMindbody();
    const target = await receiver();
    expect((await push(sim.webhooksApiBaseUrl, "/subscriptions", "GET", undefined, null)).status).toBe(401);
    expect((await push(sim.webhooksApiBaseUrl, "/subscriptions", "GET", undefined, "nope")).status).toBe(401);

    const created = await push(sim.webhooksApiBaseUrl, "/subscriptions", "POST", {
      eventIds: CLIENT_EVENTS,
      eventSchemaVersion: 1,
      referenceId: "int_1",
      webhookUrl: target.url,
    });
    expect(created.status).toBe(201);
    const subscription = (await created.json()) as {
      subscriptionId: string;
      status: string;
      messageSignatureKey: string;
    };
    expect(subscription.status).toBe("PendingActivation");
    expect(subscription.messageSignatureKey.length).toBeGreaterThan(16);
    const shown = await json<Record<string, unknown>>(
      push(sim.webhooksApiBaseUrl, `/subscriptions/${subscription.subscriptionId}`, "GET"),
    );
    expect(shown).not.toHaveProperty("messageSignatureKey");
    expect(JSON.stringify(await json(push(sim.webhooksApiBaseUrl, "/subscriptions", "GET")))).not.toContain(
      subscription.messageSignatureKey,
    );

    target.behave({ headStatus: 405 });
    const refused = await push(sim.webhooksApiBaseUrl, `/subscriptions/${subscription.subscriptionId}`, "PATCH", {
      Status: "Active",
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ errors: [{ errorType: "invalidWebhookURLNoResponse" }] });
    expect(
      (
        await json<{ status: string }>(
          push(sim.webhooksApiBaseUrl, `/subscriptions/${subscription.subscriptionId}`, "GET"),
        )
      ).status,
    ).toBe("PendingActivation");

    target.behave({ headStatus: 200 });
    const activated = await json<{ status: string }>(
      push(sim.webhooksApiBaseUrl, `/subscriptions/${subscription.subscriptionId}`, "PATCH", { Status: "Active" }),
    );
    expect(activated.status).toBe("Active");
    expect(target.received.filter((r) => r.method === "HEAD")).toHaveLength(2);

    const bad = await push(sim.webhooksApiBaseUrl, `/subscriptions/${subscription.subscriptionId}`, "PATCH", {
      Status: "DeactivatedByAdmin",
    });
    expect(await bad.json()).toMatchObject({ errors: [{ errorType: "subscriptionStatusNotValid" }] });
    const badEvent = await push(sim.webhooksApiBaseUrl, "/subscriptions", "POST", {
      eventIds: ["client.exploded"],
      eventSchemaVersion: 1,
      webhookUrl: target.url,
    });
    expect(await badEvent.json()).toMatchObject({ errors: [{ errorType: "invalidValueEventIds" }] });

    const deleted = await push(sim.webhooksApiBaseUrl, `/subscriptions/${subscription.subscriptionId}`, "DELETE");
    expect(deleted.status).toBe(200);
    expect(
      (
        await json<{ status: string }>(
          push(sim.webhooksApiBaseUrl, `/subscriptions/${subscription.subscriptionId}`, "GET"),
        )
      ).status,
    ).toBe("DeactivatedByUser");
  });

  it("signs every delivery so an independent verifier accepts it, and a wrong key or altered body fails it", async () => {
    const sim = await startMindbody();
    const target = await receiver();
    const subscription = await json<{ subscriptionId: string; messageSignatureKey: string }>(
      push(sim.webhooksApiBaseUrl, "/subscriptions", "POST", {
        eventIds: CLIENT_EVENTS,
        eventSchemaVersion: 1,
        referenceId: "r",
        webhookUrl: target.url,
      }),
    );
    await push(sim.webhooksApiBaseUrl, `/subscriptions/${subscription.subscriptionId}`, "PATCH", { Status: "Active" });

    const { client } = await json<{ client: { Id: string; UniqueId: number } }>(
      control(sim.url, "/clients", { FirstName: "Ada", LastName: "Lovelace", Email: "ada@example.com" }),
    );
    const other = sim.site.store.list()[0]!.client;
    await control(sim.url, "/clients", { Id: client.Id, Status: "Suspended" });
    await control(sim.url, `/clients/${client.Id}/deactivate`, {});
    await control(sim.url, "/merge", { keptClientId: other.Id, removedClientId: client.Id });
    await control(sim.url, `/clients/${other.Id}/memberships`, { MembershipId: 102 });
    const posts = await target.waitForPosts(5);
    await sim.webhooksIdle();

    const messages = posts.map((post) => {
      expect(post.headers["content-type"]).toContain("application/json");
      const signature = post.headers["x-mindbody-signature"] as string;
      expect(verifyMindbodySignature(post.body, signature, subscription.messageSignatureKey)).toBe(true);
      expect(verifyMindbodySignature(post.body, signature, "another-key")).toBe(false);
      expect(
        verifyMindbodySignature(
          post.body.replace('"eventData"', '"eventData" '),
          signature,
          subscription.messageSignatureKey,
        ),
      ).toBe(false);
      return JSON.parse(post.body) as Message;
    });
    const byEvent = Object.fromEntries(messages.map((m) => [m.eventId, m]));
    expect(Object.keys(byEvent).sort()).toEqual([
      "client.created",
      "client.deactivated",
      "client.updated",
      "clientMembershipAssignment.created",
      "clientProfileMerger.created",
    ]);
    expect(byEvent["client.created"]).toMatchObject({
      eventSchemaVersion: 1,
      eventData: {
        siteId: sim.siteId,
        clientId: client.Id,
        clientUniqueId: client.UniqueId,
        firstName: "Ada",
        lastName: "Lovelace",
        email: "ada@example.com",
        status: "Active",
      },
    });
    expect(byEvent["client.created"]!.eventInstanceOriginationDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(byEvent["client.updated"]!.eventData).toMatchObject({ status: "Suspended" });
    expect(byEvent["clientProfileMerger.created"]!.eventData).toMatchObject({
      keptClientId: other.Id,
      keptClientUniqueId: other.UniqueId,
      removedClientUniqueId: client.UniqueId,
    });
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(5);
    expect(sim.site.store.get(client.Id)).toBeUndefined();

    const metrics = await json<{
      items: Array<{
        subscriptionId: string;
        messagesAttempted: number;
        messagesDelivered: number;
        messagesUndelivered: number;
        messagesFailed: number;
      }>;
    }>(push(sim.webhooksApiBaseUrl, "/metrics", "GET"));
    expect(metrics.items).toEqual([
      expect.objectContaining({
        subscriptionId: subscription.subscriptionId,
        messagesAttempted: 5,
        messagesDelivered: 5,
        messagesUndelivered: 0,
        messagesFailed: 0,
      }),
    ]);
  });

  it("retries failed and slow deliveries with the same messageId, counts them, and deactivates after too many failures", async () => {
    const target = await receiver();
    const sim = await startMindbody({
      webhookTarget: { url: target.url, messageSignatureKey: "configured-key" },
      delivery: { timeoutMs: 200, retryDelaysMs: [20, 20], deactivateAfterConsecutiveFailures: 5 },
    });
    target.behave({ postStatus: 500 });
    await control(sim.url, "/clients", { FirstName: "Retry", LastName: "Me" });
    await sim.webhooksIdle();
    const attempts = target.posts();
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((p) => (JSON.parse(p.body) as Message).messageId)).size).toBe(1);
    expect(
      attempts.every((p) =>
        verifyMindbodySignature(p.body, p.headers["x-mindbody-signature"] as string, "configured-key"),
      ),
    ).toBe(true);

    target.behave({ postStatus: 200, delayMs: 400 });
    await control(sim.url, "/clients", { FirstName: "Slow", LastName: "Receiver" });
    await sim.webhooksIdle();
    const state = await json<{
      subscriptions: Array<{ status: string; metrics: Record<string, number> }>;
      deliveries: { failedMessages: number };
    }>(control(sim.url, "/webhooks"));
    // 3 failed attempts, then 2 answered too slowly: the fifth failure in a row deactivates the subscription.
    expect(state.subscriptions[0]).toMatchObject({
      status: "DeactivatedTooManyFailedMessageDeliveryAttempts",
      metrics: { messagesAttempted: 5, messagesDelivered: 0, messagesUndelivered: 5, messagesFailed: 1 },
    });
    const before = target.posts().length;
    await control(sim.url, "/clients", { FirstName: "Nobody", LastName: "Listens" });
    await sim.webhooksIdle();
    expect(target.posts()).toHaveLength(before);
  });

  it("replays a message with its messageId, and pushes any event from the control endpoint", async () => {
    const target = await receiver();
    const sim = await startMindbody({ webhookTarget: { url: target.url, messageSignatureKey: "k" } });
    const pushed = await json<{ messageIds: string[] }>(
      control(sim.url, "/events", {
        eventId: "clientContract.updated",
        eventData: { clientId: "200001", clientContractId: 5 },
      }),
    );
    expect(pushed.messageIds).toHaveLength(1);
    expect((await control(sim.url, `/messages/${pushed.messageIds[0]}/replay`, {})).status).toBe(202);
    const [first, second] = await target.waitForPosts(2);
    expect(second!.body).toBe(first!.body);
    const state = await json<{ subscriptions: Array<{ subscriptionId: string }> }>(control(sim.url, "/webhooks"));
    const id = state.subscriptions[0]!.subscriptionId;
    expect(
      await json(control(sim.url, `/subscriptions/${id}/status`, { status: "DeactivatedByAdmin", message: "Terms" })),
    ).toMatchObject({ status: "DeactivatedByAdmin", statusChangeMessage: "Terms" });
    await control(sim.url, "/events", { eventId: "client.updated", eventData: { clientId: "1" } });
    await sim.webhooksIdle();
    expect(target.posts()).toHaveLength(2);
    expect(second!.headers["x-mindbody-signature"]).toBe(first!.headers["x-mindbody-signature"]);
    expect(JSON.parse(first!.body)).toMatchObject({
      eventId: "clientContract.updated",
      eventData: { siteId: sim.siteId, clientContractId: 5 },
    });
  });
});
