import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type Client } from "@libsql/client/web";
import { startLibsqlHttpServer, type LibsqlHttpServer } from "../src/index.js";

export interface TestServer {
  server: LibsqlHttpServer;
  file: string;
  client(options?: { intMode?: "number" | "bigint" | "string" }): Client;
  stop(): Promise<void>;
}

export async function startTestServer(
  options: { streamIdleTimeoutMs?: number; busyWaitMs?: number } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "libsql-http-"));
  const file = join(dir, "test.db");
  const server = await startLibsqlHttpServer({ file, port: 0, ...options });
  const clients: Client[] = [];
  return {
    server,
    file,
    client(clientOptions = {}) {
      const client = createClient({ url: server.url, authToken: server.authToken, ...clientOptions });
      clients.push(client);
      return client;
    },
    async stop() {
      for (const client of clients) client.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A raw Hrana pipeline call, for what the client library does not expose. */
export async function pipeline(server: LibsqlHttpServer, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}/v2/pipeline`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${server.authToken}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
