import { afterEach, describe, expect, it } from "vitest";
import { generateMembers as generateAbc, startAbcIgniteSimulator } from "../src/abc-ignite/index";
import { generateMembers as generateGlofox, startGlofoxSimulator } from "../src/glofox/index";
import { startMindbodySimulator } from "../src/mindbody/index";
import { generateCustomers, startPushPressSimulator } from "../src/pushpress/index";
import { CONTROL_KEY, control, json, startReceiver } from "./receiver";

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});
function keep<T extends { close(): Promise<void> }>(item: T): T {
  running.push(item);
  return item;
}

describe("every simulator", () => {
  it("fails the next n API requests with an injected 5xx outage, then recovers", async () => {
    const mb = keep(await startMindbodySimulator({ controlKey: CONTROL_KEY, apiKeys: ["k"], clientCount: 5 }));
    const pp = keep(await startPushPressSimulator({ controlKey: CONTROL_KEY, apiKeys: ["k"], customerCount: 5 }));
    const gf = keep(
      await startGlofoxSimulator({
        controlKey: CONTROL_KEY,
        credentials: [{ apiKey: "k", apiToken: "t" }],
        memberCount: 5,
      }),
    );
    const abc = keep(
      await startAbcIgniteSimulator({
        controlKey: CONTROL_KEY,
        credentials: [{ appId: "k", appKey: "t" }],
        memberCount: 5,
      }),
    );
    const calls: Array<[string, () => Promise<Response>]> = [
      [
        mb.url,
        () => fetch(`${mb.apiBaseUrl}/site/locations`, { headers: { "Api-Key": "k", SiteId: String(mb.siteId) } }),
      ],
      [pp.url, () => fetch(`${pp.apiBaseUrl}/company`, { headers: { "API-KEY": "k", "company-id": pp.companyId } })],
      [
        gf.url,
        () =>
          fetch(`${gf.apiBaseUrl}/2.0/members`, {
            headers: { "x-api-key": "k", "x-glofox-api-token": "t", "x-glofox-branch-id": gf.branchId },
          }),
      ],
      [abc.url, () => fetch(`${abc.apiBaseUrl}/${abc.clubNumber}/members`, { headers: { app_id: "k", app_key: "t" } })],
    ];
    for (const [base, call] of calls) {
      expect((await control(base, "/traps", { failNext: { status: 503, times: 2 } })).status).toBe(200);
      const first = await call();
      expect(first.status).toBe(503);
      expect(first.headers.get("retry-after")).toBe("1");
      expect((await call()).status).toBe(503);
      expect((await call()).status).toBe(200);
      expect(await json(control(base, "/traps"))).toEqual({});
      expect((await control(base, "/traps", { failNext: { status: 404 } })).status).toBe(400);
    }
  });

  it("changes many people at once with /control/burst, one signed event each", async () => {
    const target = keep(await startReceiver());
    const mb = keep(
      await startMindbodySimulator({
        controlKey: CONTROL_KEY,
        apiKeys: ["k"],
        clientCount: 60,
        webhookTarget: { url: target.url, messageSignatureKey: "s" },
      }),
    );
    expect(await json(control(mb.url, "/burst", { count: 40 }))).toEqual({ changed: 40 });
    await mb.webhooksIdle();
    expect(target.posts().filter((p) => p.body.includes('"client.updated"'))).toHaveLength(40);

    const pp = keep(
      await startPushPressSimulator({
        controlKey: CONTROL_KEY,
        apiKeys: ["k"],
        customerCount: 30,
        webhookTarget: { url: target.url, signingSecret: "s" },
      }),
    );
    expect(await json(control(pp.url, "/burst", { count: 30 }))).toEqual({ changed: 30 });
    await pp.webhooksIdle();
    expect(target.posts().filter((p) => p.body.includes('"customer.details.changed"'))).toHaveLength(30);

    const gf = keep(
      await startGlofoxSimulator({
        controlKey: CONTROL_KEY,
        credentials: [{ apiKey: "k", apiToken: "t" }],
        memberCount: 20,
        webhookTarget: { url: target.url, secret: "s" },
      }),
    );
    expect(await json(control(gf.url, "/burst", { count: 20 }))).toEqual({ changed: 20 });
    await gf.webhooksIdle();
    expect(target.posts().filter((p) => p.body.includes('"MEMBER_UPDATED"'))).toHaveLength(20);

    const abc = keep(
      await startAbcIgniteSimulator({
        controlKey: CONTROL_KEY,
        credentials: [{ appId: "k", appKey: "t" }],
        memberCount: 10,
      }),
    );
    const before = Date.now() - 1000;
    expect(await json(control(abc.url, "/burst", { count: 10 }))).toEqual({ changed: 10 });
    expect(abc.club.store.list().every((m) => m.modifiedMs >= Math.floor(before / 1000) * 1000)).toBe(true);
    expect((await control(mb.url, "/burst", { count: 0 })).status).toBe(400);
  });

  it("generates the same people for the same seed, and different people for another", () => {
    const same = <T>(make: (seed: number) => T): void => {
      expect(make(11)).toEqual(make(11));
      expect(make(11)).not.toEqual(make(12));
    };
    same((seed) => generateCustomers({ seed, count: 500, companyId: "c" }));
    same((seed) => generateGlofox({ seed, count: 500, branchId: "b" }));
    same((seed) => generateAbc({ seed, count: 500, clubNumber: "1" }));
  });
});
