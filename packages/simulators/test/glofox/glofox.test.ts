import { createHmac, timingSafeEqual } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startGlofoxSimulator, type GlofoxSimulator, type GlofoxSimulatorOptions } from "../../src/glofox/index";
import { CONTROL_KEY, control, json, startReceiver, type Receiver } from "../receiver";

const CREDS = { apiKey: "gf-key", apiToken: "gf-token" };
const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});
async function start(options: Partial<GlofoxSimulatorOptions> = {}): Promise<GlofoxSimulator> {
  const sim = await startGlofoxSimulator({
    controlKey: CONTROL_KEY,
    credentials: [CREDS],
    memberCount: 30,
    rateLimitPerSecond: 1000,
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
function gf(sim: GlofoxSimulator, path: string, headers: Record<string, string | null> = {}): Promise<Response> {
  const all: Record<string, string | null> = {
    "x-api-key": CREDS.apiKey,
    "x-glofox-api-token": CREDS.apiToken,
    "x-glofox-branch-id": sim.branchId,
    ...headers,
  };
  return fetch(`${sim.apiBaseUrl}${path}`, {
    headers: Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== null)),
  });
}
interface Envelope {
  object: string;
  page: number;
  limit: number;
  has_more: boolean;
  total_count: number;
  data: Array<{ _id: string; active: boolean; modified: number }>;
}

/** Independent check of the `signature` header: hex HMAC-SHA256 of the raw body with the webhook secret. */
function verifyGlofox(rawBody: string, header: string | undefined, secret: string): boolean {
  if (header === undefined || !/^[0-9a-f]{64}$/.test(header)) return false;
  const expected = createHmac("sha256", secret).update(Buffer.from(rawBody, "utf8")).digest();
  return timingSafeEqual(Buffer.from(header, "hex"), expected);
}

describe("Glofox members API", () => {
  it("pages with page / limit ≤ 100 and has_more to the last page, in its envelope", async () => {
    const sim = await start({ memberCount: 250 });
    const ids: string[] = [];
    let page = 1;
    let body: Envelope;
    do {
      body = await json<Envelope>(gf(sim, `/2.0/members?active=any&limit=100&page=${page}`));
      expect(body).toMatchObject({ object: "list", page, limit: 100, total_count: 250 });
      ids.push(...body.data.map((m) => m._id));
      page += 1;
    } while (body.has_more);
    expect(page - 1).toBe(3);
    expect(new Set(ids).size).toBe(250);
    expect((await gf(sim, "/2.0/members?limit=101")).status).toBe(400);
    const activeOnly = await json<Envelope>(gf(sim, "/2.0/members?limit=100"));
    expect(activeOnly.data.every((m) => m.active)).toBe(true);
  });

  it("answers deltas by utc_modified_start_date / end_date and fetches one member", async () => {
    const sim = await start();
    const since = Math.floor(Date.now() / 1000) - 1;
    const changed = sim.branch.store.list()[4]!._id;
    await control(sim.url, `/members/${changed}/deactivate`, {});
    const added = await json<{ _id: string }>(
      control(sim.url, "/members", { first_name: "Nia", last_name: "New", email: "nia@example.com" }),
    );
    const delta = await json<Envelope>(
      gf(sim, `/2.0/members?active=any&utc_modified_start_date=${since}&utc_modified_end_date=${since + 3600}`),
    );
    expect(delta.data.map((m) => m._id).sort()).toEqual([changed, added._id].sort());
    const iso = await json<Envelope>(
      gf(sim, `/2.0/members?active=false&utc_modified_start_date=${new Date(since * 1000).toISOString()}`),
    );
    expect(iso.data.map((m) => m._id)).toEqual([changed]);
    expect(await json(gf(sim, `/2.0/members/${changed}`))).toMatchObject({ _id: changed, active: false });
    expect((await gf(sim, "/2.0/members/000000000000000000000000")).status).toBe(404);
  });

  it("tells a wrong key, a wrong token, an unknown branch, a branch without access and a missing permission apart", async () => {
    const sim = await start({
      otherBranchIds: ["other-branch"],
      credentials: [CREDS, { apiKey: CREDS.apiKey, apiToken: "no-members", canReadMembers: false }],
    });
    const codes = async (headers: Record<string, string | null>): Promise<[number, string]> => {
      const res = await gf(sim, "/2.0/members", headers);
      return [res.status, ((await res.json()) as { message_code: string }).message_code];
    };
    expect(await codes({ "x-api-key": null })).toEqual([401, "UNAUTHORIZED"]);
    expect(await codes({ "x-glofox-api-token": "nope" })).toEqual([401, "INVALID_TOKEN"]);
    expect(await codes({ "x-glofox-branch-id": "nowhere" })).toEqual([404, "BRANCH_NOT_FOUND"]);
    expect(await codes({ "x-glofox-branch-id": "other-branch" })).toEqual([403, "BRANCH_ACCESS_DENIED"]);
    expect(await codes({ "x-glofox-api-token": "no-members" })).toEqual([403, "PERMISSION_DENIED"]);
  });

  it("throttles at about 10 requests a second with 429 and Retry-After", async () => {
    // A frozen clock keeps all 14 requests in one one-second window however slow the machine is.
    const frozen = Date.now();
    const sim = await start({ rateLimitPerSecond: 10, now: () => frozen });
    const results = await Promise.all(Array.from({ length: 14 }, () => gf(sim, "/2.0/members?limit=1")));
    const throttled = results.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(4);
    expect(throttled[0]!.headers.get("retry-after")).toMatch(/^\d+$/);
    expect((await json<{ throttled: number }>(control(sim.url, "/usage"))).throttled).toBe(4);
  });

  it("traps: HTTP 200 with success false, one page then nothing, a shrunken listing", async () => {
    const sim = await start({ memberCount: 150 });
    await control(sim.url, "/traps", { successFalse: { message: "Service temporarily unavailable" } });
    const lie = await gf(sim, "/2.0/members?active=any");
    expect(lie.status).toBe(200);
    expect(await lie.json()).toEqual({
      success: false,
      message: "Service temporarily unavailable",
      message_code: "UNKNOWN_ERROR",
    });
    await control(sim.url, "/traps", { onePageThenNothing: true });
    const first = await json<Envelope>(gf(sim, "/2.0/members?active=any&limit=100"));
    expect(first).toMatchObject({ has_more: false, total_count: 100 });
    await control(sim.url, "/traps", { shrinkTo: 3 });
    expect((await json<Envelope>(gf(sim, "/2.0/members?active=any&limit=100"))).total_count).toBe(3);
    expect((await control(sim.url, "/traps", { emptyWithReason: true })).status).toBe(400);
  });
});

describe("Glofox change webhooks", () => {
  it("signs MEMBER_CREATED / MEMBER_UPDATED, makes at most 3 attempts, and counts a slow answer as a failure", async () => {
    const target = await receiver();
    const sim = await start({
      webhookTarget: { url: target.url, secret: "gf-webhook-secret" },
      delivery: { timeoutMs: 200, retryDelaysMs: [10, 10] },
    });
    const created = await json<{ _id: string }>(
      control(sim.url, "/members", { first_name: "Ada", last_name: "L", email: "ada@example.com" }),
    );
    await control(sim.url, `/members/${created._id}/deactivate`, {});
    await sim.webhooksIdle();
    const [first, second] = target.posts();
    for (const post of [first!, second!]) {
      expect(verifyGlofox(post.body, post.headers.signature as string, "gf-webhook-secret")).toBe(true);
      expect(verifyGlofox(post.body, post.headers.signature as string, "other")).toBe(false);
      expect(verifyGlofox(`${post.body} `, post.headers.signature as string, "gf-webhook-secret")).toBe(false);
    }
    expect(JSON.parse(first!.body)).toMatchObject({
      type: "MEMBER_CREATED",
      branch_id: sim.branchId,
      data: { _id: created._id, active: true },
    });
    expect(JSON.parse(second!.body)).toMatchObject({
      type: "MEMBER_UPDATED",
      data: { _id: created._id, active: false },
    });

    target.behave({ delayMs: 400 });
    await control(sim.url, "/members", { _id: created._id, first_name: "Adah" });
    await sim.webhooksIdle();
    expect(target.posts()).toHaveLength(5);
    const stats = await json<{ deliveries: { failedMessages: number; attempted: number } }>(
      control(sim.url, "/webhooks"),
    );
    expect(stats.deliveries).toMatchObject({ failedMessages: 1, attempted: 5 });
  });
});
