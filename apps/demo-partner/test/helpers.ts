import { afterEach } from "vitest";
import { startDemoPartner, type DemoPartner, type DemoPartnerOptions } from "../src/index";

export const API_KEY = "test-key-123";

const running: DemoPartner[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((partner) => partner.close()));
});

export async function start(options: Partial<DemoPartnerOptions> = {}): Promise<DemoPartner> {
  const partner = await startDemoPartner({ apiKey: API_KEY, ...options });
  running.push(partner);
  return partner;
}

export function get(url: string, key: string | null = API_KEY): Promise<Response> {
  return fetch(url, { headers: key === null ? {} : { Authorization: `Bearer ${key}` } });
}

export interface ListingPage<T> {
  data: T[];
  next_cursor: string | null;
}

/** Reads a whole listing, page by page, as a product pass would. */
export async function readAll<T>(listUrl: string, limit: number): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor === null ? {} : { cursor }) });
    const res = await get(`${listUrl}?${query}`);
    if (res.status !== 200) throw new Error(`page ${pages + 1}: HTTP ${res.status}`);
    const page = (await res.json()) as ListingPage<T>;
    items.push(...page.data);
    cursor = page.next_cursor;
    pages += 1;
  } while (cursor !== null);
  return { items, pages };
}
