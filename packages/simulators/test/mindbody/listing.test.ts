import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { generateClients, startMindbodySimulator } from "../../src/mindbody/index";
import { CONTROL_KEY, control, json } from "../receiver";
import { API_KEY, mbGet, readAllClients, staffToken, startMindbody, type ClientsPage } from "./helpers";

describe("Mindbody listing", () => {
  it("pages with request.limit / request.offset to the last page, with a PaginationResponse", async () => {
    const sim = await startMindbody({ clientCount: 450 });
    const token = await staffToken(sim);
    const { clients, pages, totals } = await readAllClients(sim, token, "&request.includeInactive=true");
    expect(pages).toBe(3);
    expect(clients).toHaveLength(450);
    expect(new Set(clients.map((c) => c.UniqueId)).size).toBe(450);
    expect(totals).toEqual([450, 450, 450]);

    const last = await json<ClientsPage>(
      mbGet(sim, "/client/clients?request.limit=200&request.offset=400&request.includeInactive=true", token),
    );
    expect(last.PaginationResponse).toEqual({
      RequestedLimit: 200,
      RequestedOffset: 400,
      PageSize: 50,
      TotalResults: 450,
    });
    const defaults = await json<ClientsPage>(mbGet(sim, "/client/clients", token));
    expect(defaults.PaginationResponse.RequestedLimit).toBe(100);
  });

  it("refuses a limit above 200 and an unreadable offset", async () => {
    const sim = await startMindbody();
    const token = await staffToken(sim);
    const tooMany = await mbGet(sim, "/client/clients?request.limit=201", token);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({ Error: { Code: "InvalidParameter" } });
    expect((await mbGet(sim, "/client/clients?request.offset=-1", token)).status).toBe(400);
  });

  it("leaves inactive clients out unless request.includeInactive=true", async () => {
    const sim = await startMindbody({ clientCount: 20 });
    const token = await staffToken(sim);
    const id = sim.site.store.list()[3]!.client.Id;
    await control(sim.url, `/clients/${id}/deactivate`, {});
    const active = await readAllClients(sim, token);
    expect(active.clients.find((c) => c.Id === id)).toBeUndefined();
    const all = await readAllClients(sim, token, "&request.includeInactive=true");
    expect(all.clients.find((c) => c.Id === id)).toMatchObject({ Active: false });
  });

  it("answers a delta: only clients modified since request.lastModifiedDate", async () => {
    const sim = await startMindbody({ clientCount: 300 });
    const token = await staffToken(sim);
    const since = new Date(Date.now() - 1000).toISOString();
    const changed = sim.site.store.list()[10]!.client.Id;
    await control(sim.url, "/clients", { Id: changed, LastName: "Changed" });
    const added = await json<{ client: { Id: string } }>(
      control(sim.url, "/clients", { FirstName: "Nina", LastName: "New" }),
    );
    const delta = await readAllClients(
      sim,
      token,
      `&request.includeInactive=true&request.lastModifiedDate=${encodeURIComponent(since)}`,
    );
    expect(delta.clients.map((c) => c.Id).sort()).toEqual([changed, added.client.Id].sort());
    expect(delta.pages).toBe(1);
    const bad = await mbGet(sim, "/client/clients?request.lastModifiedDate=yesterday", token);
    expect(bad.status).toBe(400);
  });

  it("takes up to 20 request.clientIDs", async () => {
    const sim = await startMindbody({ clientCount: 30 });
    const token = await staffToken(sim);
    const ids = sim.site.store
      .list()
      .slice(0, 21)
      .map((e) => e.client.Id);
    const two = await json<ClientsPage>(
      mbGet(sim, `/client/clients?request.clientIDs=${ids[0]}&request.clientIDs=${ids[1]}`, token),
    );
    expect(two.Clients.map((c) => c.Id)).toEqual(ids.slice(0, 2));
    expect((await mbGet(sim, `/client/clients?request.clientIDs=${ids.join(",")}`, token)).status).toBe(400);
  });

  it("takes request.uniqueIds (inactive clients included), not together with request.clientIDs", async () => {
    const sim = await startMindbody({ clientCount: 30 });
    const token = await staffToken(sim);
    const [a, b] = sim.site.store.list();
    await control(sim.url, `/clients/${b?.client.Id}/deactivate`, {});
    const page = await json<ClientsPage>(
      mbGet(sim, `/client/clients?request.uniqueIds=${a?.client.UniqueId},${b?.client.UniqueId}`, token),
    );
    expect(page.Clients.map((c) => c.UniqueId)).toEqual([a?.client.UniqueId, b?.client.UniqueId]);
    const both = `/client/clients?request.uniqueIds=${a?.client.UniqueId}&request.clientIDs=${a?.client.Id}`;
    expect((await mbGet(sim, both, token)).status).toBe(400);
    expect((await mbGet(sim, "/client/clients?request.uniqueIds=abc", token)).status).toBe(400);
  });
});

describe("Mindbody fetch one", () => {
  it("answers clientcompleteinfo and activeclientmemberships with expiration dates; 404 for an unknown client", async () => {
    const sim = await startMindbody({ clientCount: 5 });
    const token = await staffToken(sim);
    const { client } = await json<{ client: { Id: string } }>(
      control(sim.url, "/clients", { FirstName: "Ada", LastName: "Member" }),
    );
    const expiration = new Date(Date.now() + 40 * 24 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    const assigned = await json<{ memberships: Array<{ Id: number }> }>(
      control(sim.url, `/clients/${client.Id}/memberships`, {
        MembershipId: 101,
        ExpirationDate: expiration,
        ActiveDate: "2026-01-01T00:00:00Z",
      }),
    );

    const info = await json<{
      Client: { Id: string };
      ClientMemberships: Array<{ ExpirationDate: string; Current: boolean }>;
      ClientContracts: unknown[];
    }>(mbGet(sim, `/client/clientcompleteinfo?request.clientId=${client.Id}`, token));
    expect(info.Client.Id).toBe(client.Id);
    expect(info.ClientMemberships).toEqual([
      expect.objectContaining({
        ExpirationDate: expiration,
        Current: true,
        MembershipId: 101,
        Name: "Unlimited Monthly",
      }),
    ]);

    const active = await json<{
      ClientMemberships: Array<{ MembershipId: number; ExpirationDate: string; RestrictedLocations: unknown[] }>;
    }>(mbGet(sim, `/client/activeclientmemberships?request.clientId=${client.Id}`, token));
    expect(active.ClientMemberships).toEqual([
      expect.objectContaining({ MembershipId: 101, ExpirationDate: expiration, RestrictedLocations: [] }),
    ]);

    await control(sim.url, `/clients/${client.Id}/memberships`, { Id: assigned.memberships[0]!.Id, Cancel: true });
    const after = await json<{ ClientMemberships: unknown[] }>(
      mbGet(sim, `/client/activeclientmemberships?request.clientId=${client.Id}`, token),
    );
    expect(after.ClientMemberships).toEqual([]);

    const missing = await mbGet(sim, "/client/clientcompleteinfo?request.clientId=nobody", token);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ Error: { Code: "ClientNotFound" } });
  });
});

describe("Mindbody authentication", () => {
  it("tells a wrong key, a wrong site, a site without access, a missing token and a missing permission apart", async () => {
    const sim = await startMindbody({ otherSiteIds: [555] });
    const token = await staffToken(sim);
    const noKey = await fetch(`${sim.apiBaseUrl}/client/clients`, {
      headers: { SiteId: String(sim.siteId), Authorization: token },
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toMatchObject({ Error: { Code: "DeniedAccess" } });
    expect((await mbGet(sim, "/client/clients", token, { "Api-Key": "wrong" })).status).toBe(401);

    const wrongSite = await mbGet(sim, "/client/clients", token, { SiteId: "12345" });
    expect(wrongSite.status).toBe(400);
    expect(await wrongSite.json()).toMatchObject({ Error: { Code: "InvalidSiteId" } });
    const noAccess = await mbGet(sim, "/client/clients", token, { SiteId: "555" });
    expect(noAccess.status).toBe(403);
    expect(await noAccess.json()).toMatchObject({ Error: { Code: "DeniedAccess" } });

    const noToken = await mbGet(sim, "/client/clients", null);
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ Error: { Code: "InvalidStaffCredentials" } });
    const frontdesk = await staffToken(sim, "frontdesk", "frontdesk-password");
    const noPermission = await mbGet(sim, "/client/clients", frontdesk);
    expect(noPermission.status).toBe(403);
    expect(await noPermission.json()).toMatchObject({ Error: { Code: "InvalidUserAccessLevel" } });
    await expect(staffToken(sim, "owner", "wrong")).rejects.toThrow("HTTP 401");

    // Site information needs the key and site but no staff token: a cheap "Test connection" call.
    const locations = await json<{ Locations: Array<{ Id: number; Name: string }> }>(
      mbGet(sim, "/site/locations", null),
    );
    expect(locations.Locations.map((l) => l.Id)).toEqual([1, 2]);
  });
});

describe("Mindbody quota", () => {
  it("counts calls per key per day, readable through the control endpoint; live keys go over and are billed", async () => {
    const sim = await startMindbody({ dailyCallQuota: 5 });
    const token = await staffToken(sim);
    for (let i = 0; i < 6; i++) expect((await mbGet(sim, "/client/clients?request.limit=1", token)).status).toBe(200);
    const usage = await json<{
      limit: number;
      mode: string;
      keys: Record<string, { calls: number; overQuota: number }>;
    }>(control(sim.url, "/usage"));
    expect(usage).toMatchObject({ limit: 5, mode: "bill", keys: { [API_KEY]: { calls: 7, overQuota: 2 } } });
    await control(sim.url, "/usage/reset", {});
    expect(sim.usage().keys[API_KEY]).toBeUndefined();
  });

  it("answers 429 with Retry-After once a blocking quota is spent, and on a burst limit", async () => {
    const sim = await startMindbody({ dailyCallQuota: 3, quotaMode: "block" });
    const token = await staffToken(sim);
    expect((await mbGet(sim, "/client/clients", token)).status).toBe(200);
    expect((await mbGet(sim, "/client/clients", token)).status).toBe(200);
    const over = await mbGet(sim, "/client/clients", token);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await over.json()).toMatchObject({ Error: { Code: "TooManyRequests" } });

    const frozen = Date.now();
    const bursty = await startMindbody({ burstPerSecond: 2, now: () => frozen });
    const statuses = await Promise.all(
      [1, 2, 3, 4].map(() => mbGet(bursty, "/site/locations", null).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  });
});

describe("Mindbody traps", () => {
  it("one page then nothing, and a shrunken listing", async () => {
    const sim = await startMindbody({ clientCount: 500 });
    const token = await staffToken(sim);
    await control(sim.url, "/traps", { onePageThenNothing: true });
    const lying = await readAllClients(sim, token, "&request.includeInactive=true");
    expect(lying.clients).toHaveLength(200);
    const second = await json<ClientsPage>(
      mbGet(sim, "/client/clients?request.limit=200&request.offset=200&request.includeInactive=true", token),
    );
    expect(second.Clients).toEqual([]);

    await control(sim.url, "/traps", { shrinkTo: 12 });
    const shrunk = await readAllClients(sim, token, "&request.includeInactive=true");
    expect(shrunk.clients).toHaveLength(12);
    expect(shrunk.totals).toEqual([12]);

    await control(sim.url, "/traps", {});
    expect((await readAllClients(sim, token, "&request.includeInactive=true")).clients).toHaveLength(500);
    expect((await control(sim.url, "/traps", { successFalse: true })).status).toBe(400);
  });
});

describe("Mindbody control", () => {
  it("needs the bearer key", async () => {
    const sim = await startMindbody();
    expect((await control(sim.url, "/usage", undefined, "wrong")).status).toBe(401);
    expect((await control(sim.url, "/clients", { Status: "Gold" })).status).toBe(400);
  });

  it("generates 100,000 clients from a seed, deterministically", async () => {
    const sim = await startMindbody();
    const res = await json<{ clients: number }>(control(sim.url, "/generate", { count: 100_000, seed: 7 }));
    expect(res.clients).toBe(100_000);
    const token = await staffToken(sim);
    const tail = await json<ClientsPage>(
      mbGet(sim, "/client/clients?request.limit=200&request.offset=99900&request.includeInactive=true", token),
    );
    expect(tail.Clients).toHaveLength(100);
    expect(tail.PaginationResponse.TotalResults).toBe(100_000);

    const a = generateClients({ seed: 7, count: 1000, siteId: -99, locations: [{ Id: 1, Name: "A" }] });
    const b = generateClients({ seed: 7, count: 1000, siteId: -99, locations: [{ Id: 1, Name: "A" }] });
    const c = generateClients({ seed: 8, count: 1000, siteId: -99, locations: [{ Id: 1, Name: "A" }] });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a.map((e) => e.client.Status))).toEqual(
      new Set(["Active", "Expired", "Suspended", "Terminated", "Declined", "Non-Member"]),
    );
  }, 60_000);

  it("keeps its clients in a state file across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mb-sim-"));
    try {
      const stateFile = join(dir, "mindbody.json");
      const first = await startMindbodySimulator({
        controlKey: CONTROL_KEY,
        apiKeys: [API_KEY],
        clientCount: 10,
        stateFile,
      });
      const { client } = await json<{ client: { Id: string } }>(
        control(first.url, "/clients", { FirstName: "Kept", LastName: "Across" }),
      );
      await first.close();
      const second = await startMindbodySimulator({
        controlKey: CONTROL_KEY,
        apiKeys: [API_KEY],
        clientCount: 999,
        stateFile,
      });
      expect(second.site.store.size).toBe(11);
      expect(second.site.store.get(client.Id)?.client.FirstName).toBe("Kept");
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
