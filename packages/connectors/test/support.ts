import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";

/** Shared by the native connectors' tests: closing what a test started, control calls, a webhook receiver. */

export const CONTROL_KEY = "control-key-for-connector-tests";

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});

export function closeAfterTest<T extends { close(): Promise<void> }>(item: T): T {
  running.push(item);
  return item;
}

export async function control<T = Record<string, unknown>>(base: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}/control${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${CONTROL_KEY}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (res.status >= 300) throw new Error(`control ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A fetch that counts what goes through it, as the Worker's wrapped fetch would. */
export function countingFetch(): { fetch: typeof fetch; requests: string[] } {
  const requests: string[] = [];
  return {
    requests,
    fetch: (input, init) => {
      requests.push(`${init?.method ?? "GET"} ${String(input)}`);
      return fetch(input, init);
    },
  };
}

export type Delivery = { method: string; headers: Record<string, string>; rawBody: string; url: string };

/** The product's webhook endpoint, stood in for: answers HEAD probes and records POSTs. */
export type Receiver = {
  url: string;
  posts: Delivery[];
  postStatus: { value: number };
  waitForPosts(count: number, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
};

export async function startReceiver(): Promise<Receiver> {
  const posts: Delivery[] = [];
  const postStatus = { value: 202 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method === "POST") {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers))
          if (typeof value === "string") headers[name.toLowerCase()] = value;
        posts.push({ method: "POST", headers, rawBody: Buffer.concat(chunks).toString("utf8"), url: req.url ?? "" });
      }
      res.writeHead(req.method === "POST" ? postStatus.value : 200, { "Content-Type": "application/json" });
      res.end(req.method === "HEAD" ? undefined : "{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/integrations/int_test`;
  return closeAfterTest<Receiver>({
    url,
    posts,
    postStatus,
    waitForPosts: async (count, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (posts.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} deliveries, got ${posts.length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return posts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
