import { describe, it, expect } from "vitest";
import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { cctvSource, insertFacility, integration, newId, newWebhookSecret } from "@uas/db";
import { testDb } from "../../../test/support";
import {
  BASE,
  TEST_RATE_LIMIT,
  cctvPerson,
  createWebhookTenant,
  errorOf,
  inboxRows,
  member,
  nowSeconds,
  postSigned,
  signedHeaders,
} from "../../../test/webhooks-helpers";

const db = testDb();

describe("accepted and duplicate", () => {
  it("stores a correctly signed integration event and answers 202 accepted with the webhook id", async () => {
    const t = await createWebhookTenant(db);
    const event = member();
    const res = await postSigned(t.integrationUrl, t.integration.webhookSecret, event);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: res.id, status: "accepted" });
    const rows = await inboxRows(db, t.integrationSender);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ webhookId: res.id, organisationId: t.organisation.id });
    expect(JSON.parse(rows[0]!.payload)).toEqual(event);
  });

  it("stores a CCTV event for the facility in the path", async () => {
    const t = await createWebhookTenant(db);
    const res = await postSigned(t.cctvUrl, t.cctv.webhookSecret, cctvPerson());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ id: res.id, status: "accepted" });
    expect(await inboxRows(db, t.cctvSender)).toHaveLength(1);
    const removal = await postSigned(t.cctvUrl, t.cctv.webhookSecret, {
      type: "person.removed",
      data: { person_id: "cv-88", updated_at: "2026-11-24T11:00:00Z" },
    });
    expect(removal.status).toBe(202);
  });

  it("answers the same webhook-id with 202 duplicate and stores it once", async () => {
    const t = await createWebhookTenant(db);
    const first = await postSigned(t.integrationUrl, t.integration.webhookSecret, member());
    // A retry re-signs with a new timestamp, and may even differ in body: the id decides.
    const again = await postSigned(t.integrationUrl, t.integration.webhookSecret, member(), {
      id: first.id,
      timestamp: nowSeconds() + 1,
    });
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ id: first.id, status: "duplicate" });
    expect(await inboxRows(db, t.integrationSender)).toHaveLength(1);
  });

  it("keys duplicates by sender: the same webhook-id from another source is a new event", async () => {
    const t = await createWebhookTenant(db);
    const id = newId("msg");
    expect((await postSigned(t.integrationUrl, t.integration.webhookSecret, member(), { id })).body.status).toBe(
      "accepted",
    );
    expect((await postSigned(t.cctvUrl, t.cctv.webhookSecret, cctvPerson(), { id })).body.status).toBe("accepted");
  });

  it("ignores unknown fields and treats missing optional fields as null", async () => {
    const t = await createWebhookTenant(db);
    const res = await postSigned(t.integrationUrl, t.integration.webhookSecret, {
      type: "member.removed",
      extra: { anything: true },
      data: { external_id: "M-1", updated_at: "2026-11-24T10:05:00Z", future_field: 1 },
    });
    expect(res.status).toBe(202);
  });

  it("updates the sender's last-webhook time for the admin's health line", async () => {
    const t = await createWebhookTenant(db);
    const before = Date.now();
    await postSigned(t.integrationUrl, t.integration.webhookSecret, member());
    await postSigned(t.cctvUrl, t.cctv.webhookSecret, cctvPerson());
    const [partner] = await db.select().from(integration).where(eq(integration.id, t.integration.id));
    const [camera] = await db.select().from(cctvSource).where(eq(cctvSource.facilityId, t.granted.id));
    expect(partner!.lastWebhookAt).toBeGreaterThanOrEqual(before);
    expect(camera!.lastWebhookAt).toBeGreaterThanOrEqual(before);
  });
});

describe("401 invalid_signature", () => {
  async function expectRejected(
    t: Awaited<ReturnType<typeof createWebhookTenant>>,
    res: { status: number; body: Record<string, unknown> },
  ) {
    expect(res.status).toBe(401);
    expect(Object.keys(res.body)).toEqual(["error"]);
    expect(errorOf(res.body).code).toBe("invalid_signature");
    expect(errorOf(res.body).message).toEqual(expect.any(String));
    expect(JSON.stringify(res.body)).not.toContain(t.integration.webhookSecret.slice(6));
    expect(await inboxRows(db, t.integrationSender)).toEqual([]);
  }

  it("refuses a signature made with another secret", async () => {
    const t = await createWebhookTenant(db);
    await expectRejected(t, await postSigned(t.integrationUrl, newWebhookSecret(), member()));
  });

  it("refuses a body changed after signing", async () => {
    const t = await createWebhookTenant(db);
    const body = JSON.stringify(member());
    const headers = signedHeaders(t.integration.webhookSecret, body);
    const res = await SELF.fetch(t.integrationUrl, { method: "POST", headers, body: body.replace("Ada", "Eve") });
    await expectRejected(t, { status: res.status, body: await res.json() });
  });

  it.each(["webhook-id", "webhook-timestamp", "webhook-signature"])("refuses a request without %s", async (header) => {
    const t = await createWebhookTenant(db);
    const body = JSON.stringify(member());
    const headers: Record<string, string> = signedHeaders(t.integration.webhookSecret, body);
    delete headers[header];
    const res = await SELF.fetch(t.integrationUrl, { method: "POST", headers, body });
    await expectRejected(t, { status: res.status, body: await res.json() });
  });

  it.each([
    ["more than 5 minutes old", -301],
    ["more than 5 minutes ahead", 301],
  ])("refuses a timestamp %s, even correctly signed", async (_label, offset) => {
    const t = await createWebhookTenant(db);
    await expectRejected(
      t,
      await postSigned(t.integrationUrl, t.integration.webhookSecret, member(), { timestamp: nowSeconds() + offset }),
    );
  });

  it("accepts timestamps within 5 minutes either way", async () => {
    const t = await createWebhookTenant(db);
    for (const offset of [-280, 280]) {
      const res = await postSigned(t.integrationUrl, t.integration.webhookSecret, member(), {
        timestamp: nowSeconds() + offset,
      });
      expect(res.status).toBe(202);
    }
  });

  it("refuses a non-numeric timestamp and a signature list with no v1 entry", async () => {
    const t = await createWebhookTenant(db);
    await expectRejected(
      t,
      await postSigned(t.integrationUrl, t.integration.webhookSecret, member(), {
        headers: { "webhook-timestamp": "yesterday" },
      }),
    );
    await expectRejected(
      t,
      await postSigned(t.integrationUrl, t.integration.webhookSecret, member(), {
        headers: { "webhook-signature": "v2,abc" },
      }),
    );
  });

  it("does not let one organisation's secret post into another organisation's integration", async () => {
    const mine = await createWebhookTenant(db);
    const theirs = await createWebhookTenant(db);
    const res = await postSigned(theirs.integrationUrl, mine.integration.webhookSecret, member());
    await expectRejected(theirs, res);
    expect(JSON.stringify(res.body)).not.toContain(theirs.organisation.id);
  });
});

describe("several signatures and rotation", () => {
  it("accepts when any listed v1 signature matches", async () => {
    const t = await createWebhookTenant(db);
    const body = JSON.stringify(member());
    const headers = signedHeaders(t.integration.webhookSecret, body);
    const other = new Webhook(newWebhookSecret()).sign(
      headers["webhook-id"],
      new Date(Number(headers["webhook-timestamp"]) * 1000),
      body,
    );
    for (const list of [
      `${other} ${headers["webhook-signature"]}`,
      `v2,Zm9v ${headers["webhook-signature"]} ${other}`,
    ]) {
      const res = await SELF.fetch(t.integrationUrl, {
        method: "POST",
        body,
        headers: { ...headers, "webhook-signature": list },
      });
      expect(res.status).toBe(202);
    }
    const res = await SELF.fetch(t.integrationUrl, {
      method: "POST",
      body,
      headers: { ...headers, "webhook-id": newId("msg"), "webhook-signature": `${other} v1,not-base64!` },
    });
    expect(res.status).toBe(401);
  });

  it("accepts the previous secret during the grace period and refuses it after", async () => {
    const t = await createWebhookTenant(db);
    const previous = t.integration.webhookSecret;
    const current = newWebhookSecret();
    await db
      .update(integration)
      .set({
        webhookSecret: current,
        previousWebhookSecret: previous,
        previousSecretValidUntil: Date.now() + 3_600_000,
      })
      .where(eq(integration.id, t.integration.id));
    expect((await postSigned(t.integrationUrl, previous, member())).status).toBe(202);
    expect((await postSigned(t.integrationUrl, current, member())).status).toBe(202);

    await db
      .update(integration)
      .set({ previousSecretValidUntil: Date.now() - 1 })
      .where(eq(integration.id, t.integration.id));
    const late = await postSigned(t.integrationUrl, previous, member());
    expect(late.status).toBe(401);
    expect(errorOf(late.body).code).toBe("invalid_signature");
    expect(await inboxRows(db, t.integrationSender)).toHaveLength(2);
  });

  it("reads a sender verified lately again for any other signature: a replaced secret signs at once, a removed sender is 404", async () => {
    const t = await createWebhookTenant(db);
    const first = t.integration.webhookSecret;
    // Verified once: this isolate keeps the sender and its current secret for a few seconds.
    expect((await postSigned(t.integrationUrl, first, member())).status).toBe(202);
    const replaced = newWebhookSecret();
    await db
      .update(integration)
      .set({ webhookSecret: replaced, previousWebhookSecret: null, previousSecretValidUntil: null })
      .where(eq(integration.id, t.integration.id));
    expect((await postSigned(t.integrationUrl, replaced, member())).status).toBe(202);
    const old = await postSigned(t.integrationUrl, first, member());
    expect(old.status).toBe(401);
    expect(errorOf(old.body).code).toBe("invalid_signature");
    expect(await inboxRows(db, t.integrationSender)).toHaveLength(2);

    await db.delete(integration).where(eq(integration.id, t.integration.id));
    const gone = await postSigned(t.integrationUrl, newWebhookSecret(), member());
    expect(gone.status).toBe(404);
    expect(errorOf(gone.body)).toEqual({ code: "not_found", message: "Unknown integration" });
  });

  it("rotates CCTV secrets the same way", async () => {
    const t = await createWebhookTenant(db);
    const previous = t.cctv.webhookSecret;
    const current = newWebhookSecret();
    await db
      .update(cctvSource)
      .set({ webhookSecret: current, previousWebhookSecret: previous, previousSecretValidUntil: Date.now() + 60_000 })
      .where(eq(cctvSource.facilityId, t.granted.id));
    expect((await postSigned(t.cctvUrl, previous, cctvPerson())).status).toBe(202);
    await db
      .update(cctvSource)
      .set({ previousSecretValidUntil: Date.now() - 1 })
      .where(eq(cctvSource.facilityId, t.granted.id));
    expect((await postSigned(t.cctvUrl, previous, cctvPerson())).status).toBe(401);
  });
});

describe("400 invalid_payload", () => {
  it.each([
    ["data.email", member({ email: 42 })],
    ["data.updated_at", member({ updated_at: undefined })],
    ["data.updated_at", member({ updated_at: "yesterday" })],
    ["data.external_id", member({ external_id: "x".repeat(129) })],
    ["data.external_id", member({ external_id: "" })],
    ["data.location_ids", member({ location_ids: "loc-north" })],
    ["type", { type: "member.exploded", data: {} }],
  ])("names %s in the issues", async (path, event) => {
    const t = await createWebhookTenant(db);
    const res = await postSigned(t.integrationUrl, t.integration.webhookSecret, event);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body)).toEqual(["error"]);
    const error = errorOf(res.body);
    expect(error.code).toBe("invalid_payload");
    expect(error.issues?.map((issue) => issue.path)).toContain(path);
    expect(error.issues?.every((issue) => typeof issue.message === "string")).toBe(true);
    expect(await inboxRows(db, t.integrationSender)).toEqual([]);
  });

  it("checks CCTV events against the CCTV schema (an integration event is not one)", async () => {
    const t = await createWebhookTenant(db);
    const wrongKind = await postSigned(t.cctvUrl, t.cctv.webhookSecret, member());
    expect(wrongKind.status).toBe(400);
    const noId = await postSigned(t.cctvUrl, t.cctv.webhookSecret, {
      type: "person.removed",
      data: { updated_at: "2026-11-24T11:00:00Z" },
    });
    expect(errorOf(noId.body).issues?.map((issue) => issue.path)).toContain("data.person_id");
    expect(await inboxRows(db, t.cctvSender)).toEqual([]);
  });

  it.each([["not json"], ['{"type": "member.upserted", '], [""]])(
    "refuses a body that is not JSON: %j",
    async (body) => {
      const t = await createWebhookTenant(db);
      const res = await postSigned(t.integrationUrl, t.integration.webhookSecret, body);
      expect(res.status).toBe(400);
      expect(errorOf(res.body).code).toBe("invalid_payload");
      expect(errorOf(res.body).issues).toEqual(expect.any(Array));
      expect(await inboxRows(db, t.integrationSender)).toEqual([]);
    },
  );
});

describe("404 not_found", () => {
  async function expectNotFound(url: string, secret: string, event: unknown) {
    const res = await postSigned(url, secret, event);
    expect(res.status).toBe(404);
    expect(Object.keys(res.body)).toEqual(["error"]);
    expect(errorOf(res.body).code).toBe("not_found");
    return res;
  }

  it("for an unknown integration or facility", async () => {
    await expectNotFound(`${BASE}/webhooks/integrations/${newId("int")}`, newWebhookSecret(), member());
    await expectNotFound(`${BASE}/webhooks/cctv/${newId("fac")}`, newWebhookSecret(), cctvPerson());
  });

  it("for a facility without a CCTV source, answered exactly like a facility that does not exist", async () => {
    const t = await createWebhookTenant(db);
    const withoutCctv = await expectNotFound(
      `${BASE}/webhooks/cctv/${t.ungranted.id}`,
      t.cctv.webhookSecret,
      cctvPerson(),
    );
    const missing = await expectNotFound(`${BASE}/webhooks/cctv/${newId("fac")}`, t.cctv.webhookSecret, cctvPerson());
    expect(withoutCctv.body).toEqual(missing.body);
    expect(await inboxRows(db, `cctv:${t.ungranted.id}`)).toEqual([]);
  });

  it("for another organisation's facility or an id of the wrong kind, without naming anything of it", async () => {
    const mine = await createWebhookTenant(db);
    const theirs = await createWebhookTenant(db);
    const other = await insertFacility(
      db,
      { organisationId: theirs.organisation.id, name: "Theirs", timeZone: "UTC", countryCode: "GB" },
      Date.now(),
    );
    const res = await expectNotFound(`${BASE}/webhooks/cctv/${other.id}`, mine.cctv.webhookSecret, cctvPerson());
    expect(JSON.stringify(res.body)).not.toContain(other.id);
    expect(JSON.stringify(res.body)).not.toContain("Theirs");
    // An integration id is not a facility id, and the other way round.
    await expectNotFound(`${BASE}/webhooks/cctv/${mine.integration.id}`, mine.integration.webhookSecret, cctvPerson());
    await expectNotFound(`${BASE}/webhooks/integrations/${mine.granted.id}`, mine.cctv.webhookSecret, member());
  });

  it("before looking at the signature, size or body", async () => {
    const res = await SELF.fetch(`${BASE}/webhooks/integrations/${newId("int")}`, {
      method: "POST",
      body: "x".repeat(300 * 1024),
    });
    expect(res.status).toBe(404);
  });
});

describe("413 payload_too_large", () => {
  const oversized = () => member({ first_name: "A".repeat(256 * 1024) });

  it("refuses a declared Content-Length over 256 KiB", async () => {
    const t = await createWebhookTenant(db);
    const res = await postSigned(t.integrationUrl, t.integration.webhookSecret, oversized());
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ error: { code: "payload_too_large", message: expect.any(String) } });
    expect(await inboxRows(db, t.integrationSender)).toEqual([]);
  });

  it("refuses a streamed body without Content-Length once it passes 256 KiB", async () => {
    const t = await createWebhookTenant(db);
    const body = JSON.stringify(oversized());
    const headers = signedHeaders(t.integration.webhookSecret, body);
    const bytes = new TextEncoder().encode(body);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.slice(i, i + 16 * 1024));
        controller.close();
      },
    });
    const res = await SELF.fetch(t.integrationUrl, {
      method: "POST",
      headers,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await inboxRows(db, t.integrationSender)).toEqual([]);
  });

  it("accepts a body of exactly 256 KiB", async () => {
    const t = await createWebhookTenant(db);
    const base = JSON.stringify(member({ first_name: "" }));
    const event = member({ first_name: "A".repeat(256 * 1024 - base.length) });
    expect(new TextEncoder().encode(JSON.stringify(event)).length).toBe(256 * 1024);
    expect((await postSigned(t.integrationUrl, t.integration.webhookSecret, event)).status).toBe(202);
  });
});

describe("429 rate_limited", () => {
  it("limits each sender and says when to retry; forged requests do not spend the budget", async () => {
    const t = await createWebhookTenant(db);
    for (let i = 0; i < TEST_RATE_LIMIT * 2; i += 1) {
      expect((await postSigned(t.integrationUrl, newWebhookSecret(), member())).status).toBe(401);
    }
    let accepted = 0;
    let limited: Awaited<ReturnType<typeof postSigned>> | undefined;
    // The window may roll over once during the loop, so allow up to two windows' worth.
    while (!limited && accepted <= TEST_RATE_LIMIT * 2) {
      const res = await postSigned(t.integrationUrl, t.integration.webhookSecret, member());
      if (res.status === 202) accepted += 1;
      else limited = res;
    }
    expect(accepted).toBeGreaterThanOrEqual(TEST_RATE_LIMIT);
    expect(limited?.status).toBe(429);
    expect(limited?.body).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await inboxRows(db, t.integrationSender)).map((row) => row.webhookId)).not.toContain(limited?.id);

    // Another sender of the same organisation has its own budget.
    expect((await postSigned(t.cctvUrl, t.cctv.webhookSecret, cctvPerson())).status).toBe(202);
  });
});
