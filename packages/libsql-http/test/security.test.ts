import { request } from "node:http";
import { createClient, LibsqlError } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const body = JSON.stringify({ requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }, { type: "close" }] });

/** A raw request, with full control of the Host header (fetch sets its own). */
function post(
  headers: Record<string, string>,
  options: { host?: string | null } = {},
): Promise<{ status: number; json: any; headers: Record<string, unknown> }> {
  const { port } = t.server;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/v2/pipeline",
        method: "POST",
        setHost: options.host === undefined,
        headers: { ...headers, ...(options.host ? { host: options.host } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString() || "null"),
            headers: res.headers,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const json = { "content-type": "application/json" };
const bearer = () => ({ authorization: `Bearer ${t.server.authToken}` });

describe("who may use the endpoint", () => {
  it("answers a pipeline with the token, a loopback Host and JSON", async () => {
    const res = await post({ ...json, ...bearer() });
    expect(res.status).toBe(200);
    expect(res.json.results[0].response.result.rows).toEqual([[{ type: "integer", value: "1" }]]);
  });

  it("refuses a pipeline without the token, or with another one, with 401", async () => {
    const missing = await post(json);
    expect(missing.status).toBe(401);
    expect(missing.json.code).toBe("UNAUTHORIZED");
    expect(missing.headers["www-authenticate"]).toBe("Bearer");
    expect((await post({ ...json, authorization: `Bearer ${t.server.authToken}x` })).status).toBe(401);
    expect((await post({ ...json, authorization: t.server.authToken })).status).toBe(401);
  });

  it("refuses a Host that is not a loopback name (DNS rebinding) with 403, and a missing Host with 400", async () => {
    const rebound = await post({ ...json, ...bearer() }, { host: `attacker.example:${t.server.port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.json.code).toBe("HOST_FORBIDDEN");
    expect((await post({ ...json, ...bearer() }, { host: "127.0.0.1.nip.io" })).status).toBe(403);
    expect((await post({ ...json, ...bearer() }, { host: null })).status).toBe(400);
    for (const host of [`localhost:${t.server.port}`, `127.0.0.1:${t.server.port}`, "[::1]"]) {
      expect((await post({ ...json, ...bearer() }, { host })).status, host).toBe(200);
    }
  });

  it("refuses a body that is not declared JSON (a page's simple text/plain POST) with 415", async () => {
    const plain = await post({ "content-type": "text/plain", ...bearer() });
    expect(plain.status).toBe(415);
    expect(plain.json.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect((await post({ ...bearer() })).status).toBe(415);
    expect((await post({ "content-type": "application/json; charset=utf-8", ...bearer() })).status).toBe(200);
  });

  it("is what the libSQL client meets: without the token it fails, with it it works", async () => {
    const anonymous = createClient({ url: t.server.url });
    await expect(anonymous.execute("SELECT 1")).rejects.toBeInstanceOf(LibsqlError);
    anonymous.close();
    expect((await t.client().execute("SELECT 1 AS one")).rows[0]).toMatchObject({ one: 1 });
  });
});

describe("text with NUL and other control characters", () => {
  it("round-trips exactly, in rows, through CTEs and duplicate column names", async () => {
    const db = t.client();
    await db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    const values = ["Nul\0Byte", "\0", "a\0b\0c", "tab\tbell\u0007esc\u001b", "plain", "é\0😀"];
    await db.batch(
      values.map((v, i) => ({ sql: "INSERT INTO notes VALUES (?, ?)", args: [i, v] })),
      "write",
    );

    const rows = await db.execute(
      "SELECT id, body, body AS again, length(CAST(body AS BLOB)) AS bytes FROM notes ORDER BY id",
    );
    expect(rows.rows.map((r) => r.body)).toEqual(values);
    expect(rows.rows.map((r) => r.again)).toEqual(values);
    expect(rows.rows.map((r) => Number(r.bytes))).toEqual(values.map((v) => Buffer.byteLength(v)));

    const one = await db.execute({
      sql: "WITH n AS (SELECT body FROM notes WHERE id = ?) SELECT body, body FROM n",
      args: [0],
    });
    expect(one.rows[0]![0]).toBe("Nul\0Byte");
    expect(one.rows[0]![1]).toBe("Nul\0Byte");
    expect((await db.execute({ sql: "SELECT ? AS echoed", args: ["x\0y"] })).rows[0]!.echoed).toBe("x\0y");
    // A blob with a zero byte stays a blob.
    const blob = await db.execute({ sql: "SELECT ? AS b", args: [new Uint8Array([1, 0, 2])] });
    expect(new Uint8Array(blob.rows[0]!.b as ArrayBuffer)).toEqual(new Uint8Array([1, 0, 2]));
  });

  it("keeps the order, the limit and the parameters of the query", async () => {
    const db = t.client();
    const rows = await db.execute({ sql: "SELECT id FROM notes WHERE id >= ? ORDER BY id DESC LIMIT ?", args: [1, 3] });
    expect(rows.rows.map((r) => Number(r.id))).toEqual([5, 4, 3]);
    const returning = await db.execute({ sql: "UPDATE notes SET body = body WHERE id = 5 RETURNING id", args: [] });
    expect(returning.rows.map((r) => Number(r.id))).toEqual([5]);
  });
});
