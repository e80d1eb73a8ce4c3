import { describe, expect, it } from "vitest";
import type { Member } from "../src/index";
import { get, readAll, start, type ListingPage } from "./helpers";

async function pageCursors(url: string, count: number): Promise<Array<string | null>> {
  // Cursor to request page 1..count (null for page 1), read while no fault is set.
  const cursors: Array<string | null> = [null];
  while (cursors.length < count) {
    const last = cursors[cursors.length - 1];
    const page = (await (await get(`${url}?limit=10${last ? `&cursor=${last}` : ""}`)).json()) as ListingPage<Member>;
    cursors.push(page.next_cursor);
  }
  return cursors;
}

describe("fault injection", () => {
  it("fails the listing at page k with 500 (option given at start)", async () => {
    const partner = await start({ faults: { failPage: { page: 3 } } });
    await expect(readAll<Member>(`${partner.url}/members`, 10)).rejects.toThrow("page 3: HTTP 500");
    const [, , third] = await pageCursorsWithoutFault(partner);
    const res = await get(`${partner.url}/members?limit=10&cursor=${third}`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("internal_error");
  });

  it("fails with 503 and Retry-After, a given number of times, then recovers", async () => {
    const partner = await start();
    partner.faults.failPage = { page: 2, status: 503, times: 2 };
    const [, second] = await pageCursors(`${partner.url}/members`, 2);
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await get(`${partner.url}/members?limit=10&cursor=${second}`);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
    }
    expect((await get(`${partner.url}/members?limit=10&cursor=${second}`)).status).toBe(200);
    expect(partner.faults.failPage).toBeUndefined();
    expect((await readAll<Member>(`${partner.url}/members`, 10)).items).toHaveLength(300);
  });

  it("returns a malformed page at page k", async () => {
    const partner = await start({ cctvFacilityIds: ["fac-1"] });
    const [, second] = await pageCursors(`${partner.url}/members`, 2);

    partner.faults.malformedPage = { page: 2 };
    const truncated = await get(`${partner.url}/members?limit=10&cursor=${second}`);
    expect(truncated.status).toBe(200);
    await expect(truncated.json()).rejects.toThrow();

    partner.faults.malformedPage = { page: 2, kind: "wrong-shape" };
    const wrong = (await (await get(`${partner.url}/members?limit=10&cursor=${second}`)).json()) as Record<
      string,
      unknown
    >;
    expect(wrong.data).toBeUndefined();

    // Page 1 and other listings are untouched.
    expect((await (await get(`${partner.url}/members?limit=10`)).json()) as ListingPage<Member>).toHaveProperty("data");
    partner.faults.malformedPage = { page: 2, target: "cctv" };
    expect(await (await get(`${partner.url}/members?limit=10&cursor=${second}`)).json()).toHaveProperty("data");
  });

  it("delays responses by N ms, but not /health", async () => {
    const partner = await start();
    partner.faults.delayMs = 150;
    let startedAt = performance.now();
    expect((await get(`${partner.url}/members/M-1001`)).status).toBe(200);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(140);
    startedAt = performance.now();
    await get(`${partner.url}/health`);
    expect(performance.now() - startedAt).toBeLessThan(140);
    delete partner.faults.delayMs;
    startedAt = performance.now();
    await get(`${partner.url}/members/M-1001`);
    expect(performance.now() - startedAt).toBeLessThan(140);
  });
});

async function pageCursorsWithoutFault(partner: {
  url: string;
  faults: { failPage?: unknown };
}): Promise<Array<string | null>> {
  const saved = partner.faults.failPage;
  delete partner.faults.failPage;
  const cursors = await pageCursors(`${partner.url}/members`, 3);
  partner.faults.failPage = saved;
  return cursors;
}
