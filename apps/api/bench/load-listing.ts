/**
 * The load bench's partner listing (partner-contract.md §2): `GET /members?cursor&limit` with a bearer
 * key, serving one snapshot at a time, keyset-paged by external id. The bench swaps the snapshot between
 * the priming pass (last night) and the measured pass (tonight), and counts what it served.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Member } from "./load-model";

export type ListingServer = {
  url: string;
  /**
   * Serve this snapshot from now on (sorted by external id here). `pace`, if given, is asked before each
   * page (its index within this snapshot's pass, and the page count) whether it may be served yet; a page
   * is held while it says no, at most `maxHoldMs`, then served anyway (so a pass can never be stalled).
   */
  serve(
    members: readonly Member[],
    pace?: { ready: (page: number, pages: number) => boolean; maxHoldMs: number },
  ): void;
  stats: { pages: number; records: number; lastPageAt: number; heldMs: number };
  close(): Promise<void>;
};

const MAX_LIMIT = 1000;

export async function startListingServer(options: { apiKey: string; port?: number }): Promise<ListingServer> {
  let members: Member[] = [];
  let ids: string[] = [];
  let pace: Parameters<ListingServer["serve"]>[1];
  const stats = { pages: 0, records: 0, lastPageAt: 0, heldMs: 0 };
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    };
    const url = new URL(req.url ?? "/", "http://listing.invalid");
    if (url.pathname === "/health") return send(200, { status: "ok" });
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return send(401, { error: { code: "unauthorized" } });
    if (req.method !== "GET" || url.pathname !== "/members") return send(404, { error: { code: "not_found" } });
    const limit = Number(url.searchParams.get("limit") ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      return send(400, { error: { code: "invalid_request" } });
    const cursor = url.searchParams.get("cursor");
    let start = 0;
    if (cursor) {
      const after = Buffer.from(cursor, "base64url").toString("utf8");
      // First id greater than the cursor's: keyset paging.
      let lo = 0;
      let hi = ids.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((ids[mid] as string) <= after) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    }
    if (pace) {
      const page = Math.ceil(start / limit);
      const pages = Math.max(1, Math.ceil(members.length / limit));
      const heldFrom = Date.now();
      while (!pace.ready(page, pages) && Date.now() - heldFrom < pace.maxHoldMs)
        await new Promise((r) => setTimeout(r, 25));
      stats.heldMs += Date.now() - heldFrom;
    }
    const data = members.slice(start, start + limit);
    const last = data[data.length - 1];
    const next_cursor =
      start + data.length < members.length && last ? Buffer.from(last.external_id).toString("base64url") : null;
    stats.pages += 1;
    stats.records += data.length;
    stats.lastPageAt = Date.now();
    send(200, { data, next_cursor });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    serve(next, paced) {
      pace = paced;
      members = [...next].sort((x, y) => (x.external_id < y.external_id ? -1 : x.external_id > y.external_id ? 1 : 0));
      ids = members.map((m) => m.external_id);
    },
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
