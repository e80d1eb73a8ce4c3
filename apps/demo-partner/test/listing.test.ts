import { describe, expect, it } from "vitest";
import type { CctvPerson, Member } from "../src/index";
import { API_KEY, get, readAll, start, type ListingPage } from "./helpers";

describe("members listing", () => {
  it("pages through every member exactly once with limit 7 and ends with next_cursor null", async () => {
    const partner = await start();
    const { items, pages } = await readAll<Member>(`${partner.url}/members`, 7);
    const ids = items.map((m) => m.external_id);
    expect(partner.store.size).toBe(300);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    expect(ids).toEqual(partner.store.list().map((m) => m.external_id));
    expect(pages).toBe(Math.ceil(300 / 7));
    expect(items).toEqual(partner.store.list());
  });

  it("uses a default limit of 100 and ends exactly on the last page", async () => {
    const partner = await start({ memberCount: 200 });
    const first = (await (await get(`${partner.url}/members`)).json()) as ListingPage<Member>;
    expect(first.data).toHaveLength(100);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await (
      await get(`${partner.url}/members?cursor=${first.next_cursor}`)
    ).json()) as ListingPage<Member>;
    expect(second.data).toHaveLength(100);
    expect(second.next_cursor).toBeNull();
  });

  it("returns the contract member shape", async () => {
    const partner = await start();
    const page = (await (await get(`${partner.url}/members?limit=1`)).json()) as ListingPage<Member>;
    expect(Object.keys(page.data[0] as Member).sort()).toEqual([
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
  });

  it("does not skip or repeat people when members are added or removed between pages", async () => {
    const partner = await start({ memberCount: 20 });
    const first = (await (await get(`${partner.url}/members?limit=5`)).json()) as ListingPage<Member>;
    partner.store.remove("M-1003");
    partner.store.remove("M-1007");
    const rest = (await (
      await get(`${partner.url}/members?limit=100&cursor=${first.next_cursor}`)
    ).json()) as ListingPage<Member>;
    const ids = rest.data.map((m) => m.external_id);
    expect(ids[0]).toBe("M-1006");
    expect(ids).toHaveLength(14);
    expect(ids).not.toContain("M-1007");
  });
});

describe("bearer check", () => {
  it("rejects a missing, wrong or non-bearer authorization with 401", async () => {
    const partner = await start({ cctvFacilityIds: ["fac-1"] });
    for (const path of [
      "/members",
      "/members/M-1001",
      "/cctv/facilities/fac-1/people",
      "/cctv/facilities/fac-1/people/x",
    ]) {
      for (const res of [
        await get(`${partner.url}${path}`, null),
        await get(`${partner.url}${path}`, "wrong-key"),
        await fetch(`${partner.url}${path}`, { headers: { Authorization: `Basic ${API_KEY}` } }),
      ]) {
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
      }
    }
    expect((await get(`${partner.url}/members?limit=1`)).status).toBe(200);
  });

  it("serves /health without a key", async () => {
    const partner = await start();
    const res = await get(`${partner.url}/health`, null);
    expect(res.status).toBe(200);
  });
});

describe("limit and cursor validation", () => {
  it.each(["0", "1001", "-1", "abc", "1.5", "", "10000"])("rejects limit=%j with 400", async (limit) => {
    const partner = await start();
    const res = await get(`${partner.url}/members?limit=${limit}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });

  it("accepts limit 1 and 1000", async () => {
    const partner = await start();
    const one = (await (await get(`${partner.url}/members?limit=1`)).json()) as ListingPage<Member>;
    expect(one.data).toHaveLength(1);
    const all = (await (await get(`${partner.url}/members?limit=1000`)).json()) as ListingPage<Member>;
    expect(all.data).toHaveLength(300);
    expect(all.next_cursor).toBeNull();
  });

  it("rejects a cursor it did not issue with 400", async () => {
    const partner = await start({ cctvFacilityIds: ["fac-1"] });
    const cctvPage = (await (
      await get(`${partner.url}/cctv/facilities/fac-1/people?limit=2`)
    ).json()) as ListingPage<CctvPerson>;
    const bogus = [
      "not*a*cursor",
      "Zm9vYmFy",
      Buffer.from(JSON.stringify({ s: "members", a: "M-1001", p: 0 })).toString("base64url"),
      cctvPage.next_cursor as string,
    ];
    for (const cursor of bogus) {
      const res = await get(`${partner.url}/members?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_cursor");
    }
  });
});

describe("one member", () => {
  it("returns the member, then 404 not_found after it is removed", async () => {
    const partner = await start();
    const res = await get(`${partner.url}/members/M-1042`);
    expect(res.status).toBe(200);
    const member = (await res.json()) as Member;
    expect(member).toEqual(partner.store.get("M-1042"));

    const removed = partner.store.remove("M-1042");
    expect(removed).toEqual(member);
    expect(partner.store.remove("M-1042")).toBeUndefined();

    const gone = await get(`${partner.url}/members/M-1042`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const { items } = await readAll<Member>(`${partner.url}/members`, 1000);
    expect(items.map((m) => m.external_id)).not.toContain("M-1042");
    expect(items).toHaveLength(299);
  });

  it("serves members added or changed through upsert, including ids that need escaping", async () => {
    const partner = await start({ memberCount: 3 });
    const base = partner.store.get("M-1001") as Member;
    partner.store.upsert({ ...base, external_id: "X 1/2", first_name: "Changed" });
    const res = await get(`${partner.url}/members/${encodeURIComponent("X 1/2")}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as Member).first_name).toBe("Changed");
    expect(partner.store.size).toBe(4);
  });
});

describe("CCTV", () => {
  it("lists and serves people per facility, 404 for unknown facility or person", async () => {
    const partner = await start({ cctvFacilityIds: ["fac-1", "fac-2"], cctvPeopleCount: 30 });
    expect(partner.cctvUrl).toBe(`${partner.url}/cctv`);
    const one = await readAll<CctvPerson>(`${partner.cctvUrl}/facilities/fac-1/people`, 7);
    const two = await readAll<CctvPerson>(`${partner.cctvUrl}/facilities/fac-2/people`, 7);
    expect(one.items).toHaveLength(30);
    expect(two.items).toHaveLength(30);
    expect(new Set([...one.items, ...two.items].map((p) => p.person_id)).size).toBe(60);
    expect(Object.keys(one.items[0] as CctvPerson).sort()).toEqual([
      "email",
      "first_name",
      "last_name",
      "mobile_phone",
      "person_id",
      "updated_at",
    ]);

    const person = one.items[3] as CctvPerson;
    const res = await get(`${partner.cctvUrl}/facilities/fac-1/people/${person.person_id}`);
    expect(await res.json()).toEqual(person);
    expect((await get(`${partner.cctvUrl}/facilities/fac-2/people/${person.person_id}`)).status).toBe(404);
    expect((await get(`${partner.cctvUrl}/facilities/fac-9/people`)).status).toBe(404);
    partner.cctv.get("fac-1")?.remove(person.person_id);
    expect((await get(`${partner.cctvUrl}/facilities/fac-1/people/${person.person_id}`)).status).toBe(404);
  });

  it("404s unknown paths and 405s other methods", async () => {
    const partner = await start();
    expect((await get(`${partner.url}/nope`)).status).toBe(404);
    expect((await fetch(`${partner.url}/members`, { method: "POST" })).status).toBe(405);
  });
});
