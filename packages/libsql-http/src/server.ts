import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
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
  /**
   * How long a statement waits for another connection's write lock before failing SQLITE_BUSY, as a
   * server's busy timeout. Default 20 000.
   */
  busyWaitMs?: number;
  /** Don't keep the process alive for this server (a test harness that cannot close it). */
  unref?: boolean;
  /**
   * The bearer token every pipeline request must carry (`createClient({ url, authToken })`, as with
   * Turso). Default: a random one, returned as `authToken`. There is no way to turn it off.
   */
  authToken?: string;
  /**
   * Serves more databases beside `file`, as Turso serves one database per organisation: a client whose
   * URL is `<url>/db/<name>/` reads and writes `<databasesDir>/<name>.db` (created on first use). Names are
   * lower-case letters, digits and dashes. Without it, only `file` is served.
   */
  databasesDir?: string;
}

export interface LibsqlHttpServer {
  /** Base URL for `createClient({ url })`, e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  /** What clients pass as `authToken`. */
  authToken: string;
  /** The URL of a named database under `databasesDir` (`databaseUrl("org-demo")`). */
  databaseUrl(name: string): string;
  close(): Promise<void>;
}

/** A database name the endpoint serves: what Turso allows in a database name, in lower case. */
export const DATABASE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const NAMED_PIPELINE = /^\/db\/([^/]+)\/v2\/pipeline$/;

/**
 * Serves the libSQL remote protocol (Hrana 2 over HTTP: `POST /v2/pipeline`) over a local
 * database file, for `@libsql/client/web` and drizzle's `drizzle-orm/libsql/web` driver.
 */
export async function startLibsqlHttpServer(options: LibsqlHttpServerOptions): Promise<LibsqlHttpServer> {
  const { file, port = 8080, host = "127.0.0.1", streamIdleTimeoutMs = 10_000 } = options;
  mkdirSync(dirname(file), { recursive: true });
  useWal(file);

  const authToken = options.authToken ?? randomBytes(32).toString("base64url");
  if (authToken.length < 16) throw new Error("authToken must be at least 16 characters");
  const guard = requestGuard(authToken, host);
  const main = new StreamManager(file, streamIdleTimeoutMs, options.busyWaitMs);
  const named = new Map<string, StreamManager>();
  const streamsOf = (name: string | undefined): StreamManager => {
    if (name === undefined) return main;
    if (!options.databasesDir) throw new ProtocolError("This endpoint serves no named databases", "NOT_FOUND", 404);
    if (!DATABASE_NAME.test(name))
      throw new ProtocolError(`No database is named ${JSON.stringify(name)}`, "NOT_FOUND", 404);
    let streams = named.get(name);
    if (!streams) {
      const namedFile = join(options.databasesDir, `${name}.db`);
      mkdirSync(options.databasesDir, { recursive: true });
      useWal(namedFile);
      streams = new StreamManager(namedFile, streamIdleTimeoutMs, options.busyWaitMs);
      named.set(name, streams);
    }
    return streams;
  };
  const server = createServer((req, res) => {
    handle(streamsOf, guard, req, res).catch((error: unknown) => {
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
    authToken,
    databaseUrl: (name) => `http://${urlHost}:${actualPort}/db/${name}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
        main.closeAll();
        for (const streams of named.values()) streams.closeAll();
      }),
  };
}

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * What a request must show before it reaches the database. The endpoint serves a developer's machine,
 * where any web page the browser opens can send it requests:
 * - the Host must be a loopback name (or the address it listens on), so a DNS-rebound name is refused;
 * - a pipeline must be `Content-Type: application/json`, which a page cannot send cross-origin without
 *   a CORS preflight (this server answers none), unlike `text/plain`;
 * - and it must carry the bearer token, compared in constant time.
 */
function requestGuard(authToken: string, listenHost: string) {
  const allowedHosts = new Set([...LOOPBACK_NAMES, listenHost.includes(":") ? `[${listenHost}]` : listenHost]);
  const expected = createHash("sha256").update(`Bearer ${authToken}`).digest();
  return (req: IncomingMessage, path: string): ProtocolError | null => {
    const hostHeader = req.headers.host;
    if (!hostHeader) return new ProtocolError("The Host header is missing", "HOST_MISSING", 400);
    const hostName = hostHeader.replace(/:\d+$/, "").toLowerCase();
    if (!allowedHosts.has(hostName))
      return new ProtocolError(`Host ${JSON.stringify(hostName)} is not served here`, "HOST_FORBIDDEN", 403);
    if (path !== "/v2/pipeline" && !NAMED_PIPELINE.test(path)) return null;
    const contentType = (req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/json")
      return new ProtocolError("Content-Type must be application/json", "UNSUPPORTED_MEDIA_TYPE", 415);
    const given = createHash("sha256")
      .update(req.headers.authorization ?? "")
      .digest();
    if (!timingSafeEqual(given, expected))
      return new ProtocolError("A valid bearer token is required", "UNAUTHORIZED", 401);
    return null;
  };
}

function useWal(file: string): void {
  // WAL lets readers proceed while one stream holds a write transaction; the mode is stored in the file.
  const setup = new Connection(file);
  setup.db.exec("PRAGMA journal_mode = WAL");
  setup.close();
}

async function handle(
  streamsOf: (name: string | undefined) => StreamManager,
  guard: ReturnType<typeof requestGuard>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  const refused = guard(req, path);
  if (refused) {
    req.resume();
    const headers: Record<string, string> = refused.status === 401 ? { "www-authenticate": "Bearer" } : {};
    send(res, refused.status, { message: refused.message, code: refused.code }, headers);
    return;
  }
  const namedPipeline = NAMED_PIPELINE.exec(path);
  if (req.method === "POST" && (path === "/v2/pipeline" || namedPipeline)) {
    const streams = streamsOf(namedPipeline?.[1]);
    send(res, 200, await runPipeline(streams, await readJson(req)));
  } else if (req.method === "GET" && (path === "/" || path === "/health" || /^(\/db\/[^/]+)?\/v2$/.test(path))) {
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

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // Exactly "application/json": the client only parses error bodies with that content type.
  res.writeHead(status, { ...headers, "content-type": "application/json" }).end(JSON.stringify(body));
}
