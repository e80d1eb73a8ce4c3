import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, LibsqlError } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLibsqlHttpServer, type LibsqlHttpServer } from "../src/index.js";

let dir: string;
let server: LibsqlHttpServer;
const clientOf = (url: string) => createClient({ url, authToken: server.authToken });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "libsql-http-named-"));
  server = await startLibsqlHttpServer({ file: join(dir, "catalog.db"), port: 0, databasesDir: join(dir, "orgs") });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("one endpoint, one file per database", () => {
  it("keeps each named database in its own file, apart from the main one", async () => {
    const main = clientOf(server.url);
    const a = clientOf(server.databaseUrl("org-a"));
    const b = clientOf(server.databaseUrl("org-b"));
    for (const [client, who] of [
      [main, "catalog"],
      [a, "a"],
      [b, "b"],
    ] as const) {
      await client.execute("CREATE TABLE who (name TEXT)");
      await client.execute({ sql: "INSERT INTO who VALUES (?)", args: [who] });
    }
    expect((await a.execute("SELECT name FROM who")).rows.map((r) => r.name)).toEqual(["a"]);
    expect((await b.execute("SELECT name FROM who")).rows.map((r) => r.name)).toEqual(["b"]);
    expect((await main.execute("SELECT name FROM who")).rows.map((r) => r.name)).toEqual(["catalog"]);
    expect(existsSync(join(dir, "orgs", "org-a.db"))).toBe(true);
    expect(existsSync(join(dir, "orgs", "org-b.db"))).toBe(true);
    for (const client of [main, a, b]) client.close();
  });

  it("holds an interactive transaction on the named database it began on", async () => {
    const a = clientOf(server.databaseUrl("org-tx"));
    await a.execute("CREATE TABLE n (v INTEGER)");
    const tx = await a.transaction("write");
    await tx.execute("INSERT INTO n VALUES (1)");
    await tx.rollback();
    expect((await a.execute("SELECT count(*) AS c FROM n")).rows[0]?.c).toBe(0);
    a.close();
  });

  it("refuses a name that is not a database name, and the token is still required", async () => {
    const bad = clientOf(`${server.url}/db/..%2Fescape/`);
    await expect(bad.execute("SELECT 1")).rejects.toBeInstanceOf(LibsqlError);
    bad.close();
    const res = await fetch(`${server.databaseUrl("org-a")}v2/pipeline`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ requests: [{ type: "close" }] }),
    });
    expect(res.status).toBe(401);
  });
});
