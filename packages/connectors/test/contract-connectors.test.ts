import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { type DemoPartner, startDemoPartner } from "@uas/demo-partner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CONNECTORS,
  type ConnectionContext,
  ConnectorError,
  type InboundWebhook,
  cctvConnector,
  connectorFor,
  partnerApiConnector,
} from "../src";

/**
 * The partner-api and CCTV connectors against the real partner simulator (apps/demo-partner) over HTTP:
 * cursor paging to the end, fetch-one (and 404), errors named, and webhooks the simulator signs and pushes
 * verified and parsed.
 */
const API_KEY = "connector-test-key";
const FACILITY = "fac_connector_test";
const SECRET = `whsec_${Buffer.from("connector-test-secret-0123456789").toString("base64")}`;

let partner: DemoPartner;
const received: InboundWebhook[] = [];
let receiver: ReturnType<typeof createServer>;
let fetches = 0;
const countingFetch = ((input: RequestInfo | URL, init?: RequestInit) => {
  fetches += 1;
  return fetch(input, init);
}) as typeof fetch;

async function readBody(req: IncomingMessage): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    void readBody(req).then((bytes) => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(", ") : (value ?? ""),
        ]),
      );
      received.push({
        method: req.method ?? "",
        headers,
        rawBody: new TextDecoder().decode(bytes),
        rawBytes: bytes,
        url: req.url ?? "",
      });
      res
        .writeHead(202, { "content-type": "application/json" })
        .end(JSON.stringify({ id: headers["webhook-id"], status: "accepted" }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as AddressInfo).port;
  partner = await startDemoPartner({
    apiKey: API_KEY,
    memberCount: 25,
    cctvFacilityIds: [FACILITY],
    cctvPeopleCount: 7,
    webhookTarget: { url: `http://127.0.0.1:${port}/webhooks/integrations/int_1`, secret: SECRET },
    cctvWebhookTargets: { [FACILITY]: { url: `http://127.0.0.1:${port}/webhooks/cctv/${FACILITY}`, secret: SECRET } },
  });
});

afterAll(async () => {
  await partner?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const tuning = { pageSize: 10, retries: 1, minRetryDelayMs: 1, timeoutMs: 5_000 };
const partnerContext = (apiKey = API_KEY): ConnectionContext<{ apiKey: string }> => ({
  baseUrl: `${partner.url}/`,
  credentials: { apiKey },
  fetch: countingFetch,
  tuning,
});
const cctvContext = (facilityId = FACILITY): ConnectionContext<{ apiKey: string; facilityId: string }> => ({
  baseUrl: partner.cctvUrl,
  credentials: { apiKey: API_KEY, facilityId },
  fetch: countingFetch,
  tuning,
});

async function listAll<C>(connector: { listPage: (c: C, r: any) => Promise<any> }, context: C) {
  const records: Array<Record<string, unknown>> = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await connector.listPage(context, { locationIds: null, cursor });
    records.push(...page.records);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor !== null);
  return { records, pages };
}

describe("the registry", () => {
  it("holds the partner contract and CCTV connectors under their systems", () => {
    expect(CONNECTORS["partner-api"]).toBe(partnerApiConnector);
    expect(connectorFor("cctv")).toBe(cctvConnector);
    expect(partnerApiConnector.system).toBe("partner-api");
    expect(cctvConnector.system).toBe("cctv");
  });
});

describe("partner-api", () => {
  it("lists every member by the contract's cursor, page by page", async () => {
    const before = fetches;
    const { records, pages } = await listAll(partnerApiConnector, partnerContext());
    expect(pages).toBe(3);
    expect(fetches - before).toBe(3);
    expect(records.map((r) => r.external_id).sort()).toEqual(
      partner.store
        .list()
        .map((m) => m.external_id)
        .sort(),
    );
  });

  it("fetches one member, and answers null for one the partner no longer has", async () => {
    const member = partner.store.list()[0]!;
    expect(await partnerApiConnector.fetchOne(partnerContext(), member.external_id)).toEqual(member);
    expect(await partnerApiConnector.fetchOne(partnerContext(), "M-does-not-exist")).toBeNull();
  });

  it("names a wrong key as wrong credentials, without retrying it", async () => {
    const before = fetches;
    const error = await partnerApiConnector.testConnection(partnerContext("wrong-key")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ problem: "wrong-credentials", status: 401 });
    expect(fetches - before).toBe(1);
    await expect(partnerApiConnector.testConnection(partnerContext())).resolves.toBeUndefined();
  });

  it("validates credentials naming the field", () => {
    const parsed = partnerApiConnector.credentialsSchema.safeParse({ apiKey: "" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(["apiKey"]);
  });

  it("verifies and parses the member webhooks the partner signs and pushes", async () => {
    const member = partner.store.list()[1]!;
    partner.store.upsert({ ...member, first_name: "Pushed", updated_at: new Date().toISOString() });
    partner.store.remove(member.external_id);
    await partner.webhooksIdle();
    const pushed = received.filter((r) => r.url.startsWith("/webhooks/integrations/"));
    expect(pushed).toHaveLength(2);
    const now = Date.now();
    const [upsert, removal] = pushed;
    expect(await partnerApiConnector.webhooks!.verify(upsert!, [SECRET], now)).toEqual({ ok: true });
    // The previous secret of a rotation still verifies; a wrong one, a stale timestamp or a changed body do not.
    expect(await partnerApiConnector.webhooks!.verify(upsert!, ["whsec_b3RoZXI=", SECRET], now)).toEqual({ ok: true });
    expect(await partnerApiConnector.webhooks!.verify(upsert!, ["whsec_b3RoZXI="], now)).toMatchObject({
      ok: false,
      status: 401,
    });
    expect(await partnerApiConnector.webhooks!.verify(upsert!, [SECRET], now + 6 * 60_000)).toMatchObject({
      ok: false,
      reason: "webhook-timestamp is more than 5 minutes from the receiver's clock",
    });
    const tampered = { ...upsert!, rawBody: upsert!.rawBody.replace("Pushed", "Forged"), rawBytes: undefined };
    expect(await partnerApiConnector.webhooks!.verify(tampered, [SECRET], now)).toMatchObject({ ok: false });

    const parsedUpsert = partnerApiConnector.webhooks!.parse(upsert!);
    expect(parsedUpsert).toMatchObject({
      ok: true,
      deliveries: [
        {
          eventId: upsert!.headers["webhook-id"],
          change: { kind: "upsert", record: { external_id: member.external_id, first_name: "Pushed" } },
        },
      ],
    });
    expect(partnerApiConnector.webhooks!.parse(removal!)).toMatchObject({
      ok: true,
      deliveries: [{ change: { kind: "removal", record: { external_id: member.external_id } } }],
    });
  });

  it("refuses a body that fails the contract, naming the field", () => {
    const request: InboundWebhook = {
      method: "POST",
      headers: { "webhook-id": "msg_1" },
      rawBody: JSON.stringify({ type: "member.upserted", data: { external_id: "M-1" } }),
      url: "/webhooks/integrations/int_1",
    };
    expect(partnerApiConnector.webhooks!.parse(request)).toEqual({
      ok: false,
      issues: [expect.objectContaining({ path: "data.updated_at" })],
    });
  });
});

describe("cctv", () => {
  it("lists one facility's people by cursor and fetches one", async () => {
    const { records, pages } = await listAll(cctvConnector, cctvContext());
    const people = partner.cctv.get(FACILITY)!.list();
    expect(pages).toBe(1);
    expect(records.map((r) => r.person_id).sort()).toEqual(people.map((p) => p.person_id).sort());
    expect(await cctvConnector.fetchOne(cctvContext(), people[0]!.person_id)).toEqual(people[0]);
    expect(await cctvConnector.fetchOne(cctvContext(), "cv-gone")).toBeNull();
  });

  it("names an unknown facility as the wrong account", async () => {
    await expect(
      cctvConnector.listPage(cctvContext("fac_unknown"), { locationIds: null, cursor: null }),
    ).rejects.toMatchObject({
      problem: "wrong-account",
    });
  });

  it("verifies and parses the person webhooks the module pushes", async () => {
    const person = partner.cctv.get(FACILITY)!.list()[0]!;
    partner.cctv.get(FACILITY)!.remove(person.person_id);
    await partner.webhooksIdle();
    const pushed = received.filter((r) => r.url.startsWith("/webhooks/cctv/"));
    expect(pushed).toHaveLength(1);
    expect(await cctvConnector.webhooks!.verify(pushed[0]!, [SECRET], Date.now())).toEqual({ ok: true });
    expect(cctvConnector.webhooks!.parse(pushed[0]!)).toMatchObject({
      ok: true,
      deliveries: [{ change: { kind: "removal", record: { person_id: person.person_id } } }],
    });
    // A member event is not a CCTV event.
    const member = received.find((r) => r.url.startsWith("/webhooks/integrations/"))!;
    expect(cctvConnector.webhooks!.parse(member).ok).toBe(false);
  });
});

describe("requests", () => {
  it("never follow a redirect and stop at a refusal the injected fetch makes", async () => {
    const seen: Array<RequestInit["redirect"]> = [];
    const redirecting = (async (_url: string, init?: RequestInit) => {
      seen.push(init?.redirect);
      return new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } });
    }) as unknown as typeof fetch;
    await expect(
      partnerApiConnector.listPage({ ...partnerContext(), fetch: redirecting }, { locationIds: null, cursor: null }),
    ).rejects.toThrow(/redirect \(302\), which is not followed/);
    expect(seen).toEqual(["manual"]);
    let calls = 0;
    const refusing = (async () => {
      calls += 1;
      throw new ConnectorError("unreachable", "the source's URL is refused: private address");
    }) as unknown as typeof fetch;
    await expect(partnerApiConnector.fetchOne({ ...partnerContext(), fetch: refusing }, "M-1")).rejects.toThrow(
      "the source's URL is refused",
    );
    expect(calls).toBe(1);
  });

  it("retries a 503 and reads the page once the partner recovers", async () => {
    partner.faults.failPage = { page: 1, target: "members", status: 503, times: 1 };
    const before = fetches;
    const page = await partnerApiConnector.listPage(partnerContext(), { locationIds: null, cursor: null });
    expect(page.records.length).toBe(10);
    expect(fetches - before).toBe(2);
    partner.faults.malformedPage = { page: 1, target: "members", kind: "wrong-shape" };
    await expect(
      partnerApiConnector.listPage(partnerContext(), { locationIds: null, cursor: null }),
    ).rejects.toMatchObject({ problem: "source-error", message: "the source answered with a malformed listing page" });
    delete partner.faults.malformedPage;
  });
});
