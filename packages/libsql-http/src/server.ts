import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { Connection } from "./connection.js";
import { runPipeline } from "./pipeline.js";
import { ProtocolError, type PipelineRequest } from "./protocol.js";
import { StreamManager } from "./streams.js";

export interface LibsqlHttpServerOptions {
  /** Path of the database file (created if missing). */
  file: string;
  /** 0 picks a free port. Default 8080. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Milliseconds after which a stream whose baton is not used again is closed (rolled back). Default 10 000. */
  streamIdleTimeoutMs?: number;
  /** Don't keep the process alive for this server (a test harness that cannot close it). */
  unref?: boolean;
}

export interface LibsqlHttpServer {
  /** Base URL for `createClient({ url })`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the libSQL remote protocol (Hrana 2 over HTTP: `POST /v2/pipeline`) over a local
 * database file, for `@libsql/client/web` and drizzle's `drizzle-orm/libsql/web` driver.
 */
export async function startLibsqlHttpServer(options: LibsqlHttpServerOptions): Promise<LibsqlHttpServer> {
  const { file, port = 8080, host = "127.0.0.1", streamIdleTimeoutMs = 10_000 } = options;
  mkdirSync(dirname(file), { recursive: true });
  // WAL lets readers proceed while one stream holds a write transaction; the mode is stored in the file.
  const setup = new Connection(file);
  setup.db.exec("PRAGMA journal_mode = WAL");
  setup.close();

  const streams = new StreamManager(file, streamIdleTimeoutMs);
  const server = createServer((req, res) => {
    handle(streams, req, res).catch((error: unknown) => {
      const status = error instanceof ProtocolError ? error.status : 500;
      const code = error instanceof ProtocolError ? error.code : "INTERNAL_ERROR";
      send(res, status, { message: error instanceof Error ? error.message : String(error), code });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  if (options.unref) server.unref();
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        streams.closeAll();
      }),
  };
}

async function handle(streams: StreamManager, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (req.method === "POST" && path === "/v2/pipeline") {
    send(res, 200, await runPipeline(streams, await readJson(req)));
  } else if (req.method === "GET" && (path === "/" || path === "/health" || path === "/v2")) {
    res.writeHead(200, { "content-type": "text/plain" }).end();
  } else {
    // Including /v3 and /v3-protobuf: a client that probes for them falls back to v2.
    res.writeHead(404, { "content-type": "text/plain" }).end("Not found");
  }
}

async function readJson(req: IncomingMessage): Promise<PipelineRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as PipelineRequest;
  } catch {
    throw new ProtocolError("Request body is not valid JSON");
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Exactly "application/json": the client only parses error bodies with that content type.
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
