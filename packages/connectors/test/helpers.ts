import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { ConnectionContext, Connector, ContractRecord, ListingRequest } from "../src/connector";

export const CONTROL_KEY = "control-key-for-connector-tests";

/** POST (or GET without a body) to a simulator's control API. */
export async function control<T = Record<string, unknown>>(base: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/control${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${CONTROL_KEY}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`control ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** A fetch that counts the calls a connector makes (quotas are per call). */
export function countingFetch(): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  return {
    fetch: (input, init) => {
      calls += 1;
      return fetch(input, init);
    },
    calls: () => calls,
  };
}

/** Reads a whole listing page by page, as a pass does; returns every record, removal and the pages read. */
export async function listAll<C>(
  connector: Connector<C>,
  context: ConnectionContext<C>,
  request: Omit<ListingRequest, "cursor"> = { locationIds: null },
): Promise<{ records: ContractRecord[]; removals: ContractRecord[]; pages: number; calls: number }> {
  const records: ContractRecord[] = [];
  const removals: ContractRecord[] = [];
  let cursor: string | null = null;
  let pages = 0;
  let calls = 0;
  do {
    const page = await connector.listPage(context, { ...request, cursor });
    records.push(...page.records);
    removals.push(...(page.removals ?? []));
    calls += page.calls;
    pages += 1;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return { records, removals, pages, calls };
}

export type Received = { headers: Record<string, string>; rawBody: string; url: string };

/** A stand-in for the product's webhook route: records each POST raw, answers 202. */
export async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers[name] = value;
      received.push({ headers, rawBody: Buffer.concat(chunks).toString("utf8"), url: req.url ?? "" });
      res.writeHead(202, { "content-type": "application/json" }).end('{"status":"accepted"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/integrations/int_test`;
  return {
    url,
    received,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} deliveries, got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
