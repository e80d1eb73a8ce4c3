/**
 * The webhook benches' harness (bench:webhooks, and bench:connectors' webhook step): the floor Worker and
 * the load generator, so every receiver is measured the same way.
 *
 * The floor (bench/floor/worker.ts, started the same way as the product's Worker): the least a webhook
 * receiver can do and still answer 202 honestly (verify a Standard Webhooks signature, insert one row
 * through the same database endpoint). The load: every delivery sent at a fixed concurrency over kept-alive
 * plain HTTP (the generator shares the machine's cores with the stack, so it does as little as it can in the
 * timed window: deliveries are signed beforehand), retrying as the contract asks of a sender.
 */
import http from "node:http";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { Db } from "@uas/db";
import { repoRoot, type Stack } from "@uas/devkit/stack";
import { startProcess, stopProcess, waitForHttp } from "@uas/devkit/processes";

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export type Floor = { url: (integrationId: string) => string; stop(): Promise<void> };

/**
 * Starts the floor Worker (bench/floor/worker.ts) on `port`, reading and writing through the stack's
 * database endpoint, and waits until it answers. Every bench's floor starts here (webhooks, the door).
 */
export async function startFloorWorker(input: {
  stack: Stack;
  dataDir: string;
  port: number;
  secret: string;
}): Promise<{ stop(): Promise<void> }> {
  const floor = startProcess(
    "floor",
    process.execPath,
    [join(repoRoot, "apps/api/scripts/serve-without-inspector.mjs")],
    {
      cwd: join(repoRoot, "apps/api/bench/floor"),
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        FORCE_COLOR: "0",
        UAS_SERVE_OPTIONS: JSON.stringify({
          port: input.port,
          persistTo: join(input.dataDir, "floor-wrangler"),
          vars: {
            // The database the Worker writes webhooks to: the demo organisation's (ADR 0021), same endpoint.
            DATABASE_URL: input.stack.database.url,
            DATABASE_AUTH_TOKEN: input.stack.database.authToken,
            FLOOR_WEBHOOK_SECRET: input.secret,
          },
        }),
      },
      quiet: process.env.BENCH_VERBOSE !== "1",
    },
  );
  try {
    await waitForHttp(`http://127.0.0.1:${input.port}/`, 60_000, () => floor.child.exitCode === null);
  } catch (error) {
    await stopProcess(floor);
    throw error;
  }
  return { stop: () => stopProcess(floor) };
}

/** The webhook floor: its inbox table, then the floor Worker verifying with `secret`. */
export async function startFloor(input: {
  stack: Stack;
  db: Db;
  dataDir: string;
  port: number;
  secret: string;
}): Promise<Floor> {
  await input.db.run(
    sql`CREATE TABLE IF NOT EXISTS bench_floor_inbox (webhook_id TEXT PRIMARY KEY, payload TEXT NOT NULL, received_at INTEGER NOT NULL)`,
  );
  const floor = await startFloorWorker(input);
  return {
    url: (integrationId) => `http://127.0.0.1:${input.port}/webhooks/integrations/${integrationId}`,
    stop: floor.stop,
  };
}

/** One delivery: its raw body and its headers, signed (again) at each attempt. */
export type Delivery = { body: string; sign(): Record<string, string> };

export type LoadResult = {
  /** Accept latencies in ms, sorted. */
  sorted: number[];
  statuses: Map<string, number>;
  senderRetries: number;
  seconds: number;
};

/** Every delivery to one receiver at `concurrency`: answers, latencies and sender retries. */
export async function runLoad(
  target: string,
  deliveries: readonly Delivery[],
  concurrency: number,
): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  let next = 0;
  let senderRetries = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const signed = deliveries.map((delivery) => delivery.sign());
  const post = (headers: Record<string, string>, body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        target,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(body)),
            ...headers,
          },
          agent,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          res.on("error", reject);
        },
      );
      request.on("error", reject);
      request.end(body);
    });
  // As the contract asks of a sender: anything but a 2xx/4xx answer (a 5xx, a dropped connection,
  // a restarted dev server) is retried with the same delivery; the receiver dedupes it.
  const send = async (index: number) => {
    const delivery = deliveries[index] as Delivery;
    for (let attempt = 1; ; attempt += 1) {
      const headers = attempt === 1 ? (signed[index] as Record<string, string>) : delivery.sign();
      const started = performance.now();
      try {
        const res = await post(headers, delivery.body);
        if (res.status >= 500 || !res.text.startsWith("{")) throw new Error(`answered ${res.status}`);
        const answer = JSON.parse(res.text) as { status?: string };
        latencies.push(performance.now() - started);
        const key = res.status === 202 ? `202 ${answer.status}` : String(res.status);
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        senderRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) await send(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { sorted: [...latencies].sort((a, b) => a - b), statuses, senderRetries, seconds };
}
