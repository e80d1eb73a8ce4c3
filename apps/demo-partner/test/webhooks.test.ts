import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import type { Member, SourceEvent } from "../src/index";
import { API_KEY, start } from "./helpers";

type Received = { id: string; event: SourceEvent; headers: IncomingHttpHeaders };

/**
 * A tiny product stand-in: verifies each request with the reference library, answers like the contract
 * (202 accepted / duplicate), or with scripted statuses first.
 */
async function startReceiver(options: { script?: Array<{ status: number; headers?: Record<string, string> }> } = {}) {
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const verifier = new Webhook(secret);
  const received: Received[] = [];
  const rejected: string[] = [];
  const attempts: string[] = [];
  const seen = new Set<string>();
  const script = [...(options.script ?? [])];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const id = String(req.headers["webhook-id"]);
    attempts.push(id);
    const next = script.shift();
    if (next) {
      res.writeHead(next.status, { "Content-Type": "application/json", ...next.headers });
      return res.end(JSON.stringify({ error: { code: "scripted", message: "scripted" } }));
    }
    let event: SourceEvent;
    try {
      event = verifier.verify(body, req.headers as Record<string, string>) as SourceEvent;
    } catch (error) {
      rejected.push((error as Error).message);
      res.writeHead(401, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ error: { code: "invalid_signature", message: "bad" } }));
    }
    const duplicate = seen.has(id);
    seen.add(id);
    if (!duplicate) received.push({ id, event, headers: req.headers });
    res.writeHead(202, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ id, status: duplicate ? "duplicate" : "accepted" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receivers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/integrations/int_1`;
  return { secret, url, received, rejected, attempts };
}

const receivers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((close) => close()));
});

function control(url: string, path: string, body?: unknown, key: string | null = API_KEY) {
  return fetch(`${url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(key === null ? {} : { Authorization: `Bearer ${key}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("pushing member changes as signed webhooks", () => {
  it("pushes add, change and remove as member.upserted / member.removed that verify with standardwebhooks", async () => {
    const receiver = await startReceiver();
    const partner = await start({ memberCount: 5, webhookTarget: { url: receiver.url, secret: receiver.secret } });

    const added = await control(partner.url, "/control/members", { first_name: "Ada", email: "ada@example.com" });
    expect(added.status).toBe(201);
    const { record } = (await added.json()) as { record: Member };
    expect(record.external_id).toBe("M-1006");
    const changed = await control(partner.url, "/control/members", {
      external_id: record.external_id,
      last_name: "Lovelace",
    });
    expect(changed.status).toBe(200);
    const removed = await control(partner.url, `/control/members/${record.external_id}/remove`);
    expect(removed.status).toBe(200);
    await partner.webhooksIdle();

    expect(receiver.rejected).toEqual([]);
    const events = receiver.received.map((r) => r.event);
    expect(events.map((e) => e.type)).toEqual(["member.upserted", "member.upserted", "member.removed"]);
    const [add, change, remove] = events as [
      SourceEvent & { type: "member.upserted" },
      SourceEvent & { type: "member.upserted" },
      SourceEvent,
    ];
    expect(Object.keys(add.data).sort()).toEqual([
      "email",
      "external_id",
      "first_name",
      "last_name",
      "location_ids",
      "membership_status",
      "mobile_phone",
      "person_type",
      "tags",
      "updated_at",
    ]);
    expect(add.data).toMatchObject({ external_id: "M-1006", first_name: "Ada", email: "ada@example.com" });
    expect(change.data).toMatchObject({ external_id: "M-1006", first_name: "Ada", last_name: "Lovelace" });
    expect(remove).toEqual({
      type: "member.removed",
      data: {
        external_id: "M-1006",
        location_ids: ["loc-north"],
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      },
    });
    expect(Date.parse((remove as { data: { updated_at: string } }).data.updated_at)).toBeGreaterThan(
      Date.now() - 60_000,
    );
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(3);
    expect(partner.webhooks().members).toMatchObject({ pending: 0, accepted: 3, failed: 0 });
  });

  it("bursts n changes as n distinct webhooks, changing existing members first and adding the rest", async () => {
    const receiver = await startReceiver();
    const partner = await start({ memberCount: 30, webhookTarget: { url: receiver.url, secret: receiver.secret } });
    const res = await control(partner.url, "/control/burst?n=40");
    expect(await res.json()).toEqual({ changed: 30, added: 10 });
    await partner.webhooksIdle();
    expect(receiver.received).toHaveLength(40);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(40);
    expect(receiver.rejected).toEqual([]);
    expect(partner.store.size).toBe(40);
  });

  it("retries a 429 after its Retry-After and a 5xx with backoff, keeping the same webhook-id", async () => {
    const receiver = await startReceiver({
      script: [{ status: 429, headers: { "Retry-After": "1" } }, { status: 503 }],
    });
    const partner = await start({
      memberCount: 1,
      webhookTarget: { url: receiver.url, secret: receiver.secret },
      webhookPush: { baseDelayMs: 10 },
    });
    const started = Date.now();
    await control(partner.url, "/control/members", { first_name: "Retry" });
    await partner.webhooksIdle();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(receiver.attempts).toHaveLength(3);
    expect(new Set(receiver.attempts).size).toBe(1);
    expect(receiver.received).toHaveLength(1);
    expect(partner.webhooks().members?.recent.at(-1)).toMatchObject({
      outcome: "accepted",
      attempts: 3,
      lastStatus: 202,
    });
  });

  it("does not retry a 4xx other than 429, and gives up after maxAttempts", async () => {
    const rejecting = await startReceiver({ script: [{ status: 400 }] });
    const partner = await start({ memberCount: 1, webhookTarget: { url: rejecting.url, secret: rejecting.secret } });
    await control(partner.url, "/control/members", {});
    await partner.webhooksIdle();
    expect(rejecting.attempts).toHaveLength(1);
    expect(partner.webhooks().members).toMatchObject({ failed: 1, accepted: 0 });

    const down = await startReceiver({ script: Array.from({ length: 5 }, () => ({ status: 500 })) });
    const other = await start({
      memberCount: 1,
      webhookTarget: { url: down.url, secret: down.secret },
      webhookPush: { baseDelayMs: 1, maxAttempts: 3 },
    });
    await control(other.url, "/control/members", {});
    await other.webhooksIdle();
    expect(down.attempts).toHaveLength(3);
    expect(other.webhooks().members).toMatchObject({ failed: 1, pending: 0 });
  });

  it("signs with the configured secret only: a receiver with another secret refuses every push", async () => {
    const receiver = await startReceiver();
    const partner = await start({
      memberCount: 1,
      webhookTarget: { url: receiver.url, secret: `whsec_${randomBytes(24).toString("base64")}` },
    });
    await control(partner.url, "/control/members", {});
    await partner.webhooksIdle();
    expect(receiver.received).toEqual([]);
    expect(receiver.rejected).toHaveLength(1);
  });

  it("pushes CCTV people to their facility target as person.identified / person.removed", async () => {
    const receiver = await startReceiver();
    const partner = await start({
      memberCount: 1,
      cctvFacilityIds: ["fac-1"],
      cctvWebhookTargets: { "fac-1": { url: receiver.url, secret: receiver.secret } },
    });
    const res = await control(partner.url, "/control/cctv/fac-1/people", { first_name: "Grace" });
    const { record } = (await res.json()) as { record: { person_id: string } };
    await control(partner.url, `/control/cctv/fac-1/people/${record.person_id}/remove`);
    await partner.webhooksIdle();
    expect(receiver.received.map((r) => r.event.type)).toEqual(["person.identified", "person.removed"]);
    expect(receiver.received[1]?.event.data).toEqual({ person_id: record.person_id, updated_at: expect.any(String) });
  });
});

describe("control endpoints", () => {
  it("work without a webhook target, and push nothing", async () => {
    const partner = await start({ memberCount: 3 });
    expect((await control(partner.url, "/control/members", { first_name: "Solo" })).status).toBe(201);
    expect(partner.store.size).toBe(4);
    await partner.webhooksIdle();
    expect(partner.webhooks()).toEqual({ members: null, cctv: {} });
  });

  it("need the bearer key", async () => {
    const partner = await start({ memberCount: 3 });
    expect((await control(partner.url, "/control/members", {}, null)).status).toBe(401);
    expect((await control(partner.url, "/control/burst?n=2", undefined, "wrong")).status).toBe(401);
    expect(partner.store.size).toBe(3);
  });

  it("refuse bad input", async () => {
    const partner = await start({ memberCount: 3 });
    expect((await control(partner.url, "/control/members/M-9999/remove")).status).toBe(404);
    expect((await control(partner.url, "/control/burst?n=0")).status).toBe(400);
    expect((await control(partner.url, "/control/members", [1, 2])).status).toBe(400);
    expect((await control(partner.url, "/control/members", { external_id: "x".repeat(129) })).status).toBe(400);
    expect(
      (await fetch(`${partner.url}/control/members`, { headers: { Authorization: `Bearer ${API_KEY}` } })).status,
    ).toBe(405);
  });

  it("report what the pushers did", async () => {
    const receiver = await startReceiver();
    const partner = await start({ memberCount: 2, webhookTarget: { url: receiver.url, secret: receiver.secret } });
    await control(partner.url, "/control/burst?n=2");
    await partner.webhooksIdle();
    const res = await fetch(`${partner.url}/control/webhooks`, { headers: { Authorization: `Bearer ${API_KEY}` } });
    expect(await res.json()).toMatchObject({ members: { accepted: 2, pending: 0 }, cctv: {} });
  });
});
