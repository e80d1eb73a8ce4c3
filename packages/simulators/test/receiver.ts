import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  method: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A stand-in for the product's webhook endpoint: records every request, answers as told. */
export interface Receiver {
  url: string;
  received: Received[];
  posts(): Received[];
  /** Status for POSTs (default 202) and HEADs (default 200); `delayMs` delays every answer. */
  behave(next: { postStatus?: number; headStatus?: number; delayMs?: number }): void;
  waitForPosts(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  let behaviour = { postStatus: 202, headStatus: 200, delayMs: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const status = req.method === "HEAD" ? behaviour.headStatus : behaviour.postStatus;
      const answer = (): void => {
        if (res.destroyed) return;
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(req.method === "HEAD" ? undefined : '{"status":"accepted"}');
      };
      if (behaviour.delayMs > 0) setTimeout(answer, behaviour.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/integrations/int_test`;
  const posts = (): Received[] => received.filter((r) => r.method === "POST");
  return {
    url,
    received,
    posts,
    behave: (next) => {
      behaviour = { ...behaviour, ...next };
    },
    waitForPosts: async (count, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (posts().length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} POSTs, got ${posts().length}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return posts();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const CONTROL_KEY = "control-key-for-tests";

export function control(base: string, path: string, body?: unknown, key: string = CONTROL_KEY): Promise<Response> {
  return fetch(`${base}/control${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

export async function json<T = Record<string, unknown>>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}
