import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyzeSql } from "../src/sql.js";
import { pipeline, startTestServer, type TestServer } from "./helpers.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const int = (n: number | bigint) => ({ type: "integer", value: String(n) });

describe("HTTP surface", () => {
  it("serves v2 and answers 404 for v3 so probing clients fall back", async () => {
    expect((await fetch(`${t.server.url}/v2`)).status).toBe(200);
    expect((await fetch(`${t.server.url}/v3`)).status).toBe(404);
    expect((await fetch(`${t.server.url}/v3-protobuf`)).status).toBe(404);
  });

  it("rejects unknown and reused batons with a JSON error", async () => {
    const bad = await pipeline(t.server, { baton: "nope", requests: [{ type: "close" }] });
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe("STREAM_EXPIRED");

    const first = await pipeline(t.server, { requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }] });
    expect(typeof first.json.baton).toBe("string");
    const second = await pipeline(t.server, { baton: first.json.baton, requests: [{ type: "close" }] });
    expect(second.json).toMatchObject({ baton: null, results: [{ type: "ok", response: { type: "close" } }] });
    const reused = await pipeline(t.server, { baton: first.json.baton, requests: [{ type: "close" }] });
    expect(reused.status).toBe(400);
  });

  it("answers malformed bodies with 400", async () => {
    const res = await fetch(`${t.server.url}/v2/pipeline`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${t.server.authToken}` },
      body: "{",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
  });
});

describe("pipeline requests", () => {
  it("executes with stored SQL, batches with conditions, and reports autocommit", async () => {
    const { json } = await pipeline(t.server, {
      requests: [
        { type: "store_sql", sql_id: 1, sql: "SELECT ? + ? AS sum" },
        { type: "execute", stmt: { sql_id: 1, args: [int(2), int(40)], want_rows: true } },
        { type: "execute", stmt: { sql_id: 1, args: [int(1), int(1)], want_rows: false } },
        {
          type: "batch",
          batch: {
            steps: [
              { stmt: { sql: "BEGIN" } },
              { stmt: { sql: "SELECT * FROM missing" }, condition: { type: "ok", step: 0 } },
              { stmt: { sql: "SELECT 'after error' AS x" }, condition: { type: "error", step: 1 } },
              { stmt: { sql: "SELECT 'skipped'" }, condition: { type: "ok", step: 1 } },
              {
                stmt: { sql: "SELECT 'in tx'" },
                condition: {
                  type: "and",
                  conds: [
                    { type: "ok", step: 2 },
                    { type: "not", cond: { type: "is_autocommit" } },
                  ],
                },
              },
              {
                stmt: { sql: "ROLLBACK" },
                condition: {
                  type: "or",
                  conds: [
                    { type: "ok", step: 3 },
                    { type: "ok", step: 4 },
                  ],
                },
              },
            ],
          },
        },
        { type: "get_autocommit" },
        { type: "close_sql", sql_id: 1 },
        { type: "close" },
        { type: "execute", stmt: { sql: "SELECT 1" } },
      ],
    });
    expect(json.baton).toBeNull();
    const [store, exec, noRows, batch, autocommit, closeSql, close, afterClose] = json.results;
    expect(store).toEqual({ type: "ok", response: { type: "store_sql" } });
    expect(exec.response.result).toEqual({
      cols: [{ name: "sum", decltype: null }],
      rows: [[{ type: "integer", value: "42" }]],
      affected_row_count: 0,
      last_insert_rowid: null,
    });
    expect(noRows.response.result.rows).toEqual([]);
    const { step_results, step_errors } = batch.response.result;
    expect(step_results.map((r: unknown) => r !== null)).toEqual([true, false, true, false, true, true]);
    expect(step_errors[1]).toMatchObject({ code: "SQLITE_ERROR", message: "SQLite error: no such table: missing" });
    expect(step_errors.filter((e: unknown) => e !== null)).toHaveLength(1);
    expect(autocommit.response).toEqual({ type: "get_autocommit", is_autocommit: true });
    expect(closeSql.type).toBe("ok");
    expect(close).toEqual({ type: "ok", response: { type: "close" } });
    expect(afterClose).toMatchObject({ type: "error", error: { code: "STREAM_CLOSED" } });
  });

  it("fails the whole request with 400 for an unknown sql_id", async () => {
    const res = await pipeline(t.server, { requests: [{ type: "execute", stmt: { sql_id: 99 } }] });
    expect(res.status).toBe(400);
    expect(res.json.message).toContain("99");
  });

  it("describes statements", async () => {
    await pipeline(t.server, {
      requests: [{ type: "sequence", sql: "CREATE TABLE d (id INTEGER PRIMARY KEY, label TEXT)" }, { type: "close" }],
    });
    const { json } = await pipeline(t.server, {
      requests: [
        { type: "describe", sql: "SELECT id, label FROM d WHERE id = :id AND label = ?3" },
        { type: "describe", sql: "INSERT INTO d (label) VALUES (?)" },
        { type: "describe", sql: "EXPLAIN SELECT 1" },
        { type: "close" },
      ],
    });
    expect(json.results[0].response.result).toEqual({
      params: [{ name: ":id" }, { name: null }, { name: "?3" }],
      cols: [
        { name: "id", decltype: "INTEGER" },
        { name: "label", decltype: "TEXT" },
      ],
      is_explain: false,
      is_readonly: true,
    });
    expect(json.results[1].response.result).toMatchObject({ params: [{ name: null }], cols: [], is_readonly: false });
    expect(json.results[2].response.result).toMatchObject({ is_explain: true, is_readonly: true });
  });

  it("rejects mixing positional and named arguments", async () => {
    const { json } = await pipeline(t.server, {
      requests: [
        { type: "execute", stmt: { sql: "SELECT ?, :a", args: [int(1)], named_args: [{ name: "a", value: int(2) }] } },
        { type: "close" },
      ],
    });
    expect(json.results[0].error.code).toBe("ARGS_BOTH_POSITIONAL_AND_NAMED");
  });
});

describe("analyzeSql", () => {
  it("splits statements outside strings, identifiers, comments and trigger bodies", () => {
    const info = analyzeSql(`
      /* lead; */ CREATE TEMP TRIGGER tr AFTER INSERT ON "a;b" BEGIN SELECT ';'; UPDATE x SET y = 1; END;
      INSERT INTO [we;ird] VALUES ('it''s; fine', \`q;\`) ; ;
      EXPLAIN SELECT 1 -- tail; comment`);
    expect(info.statements).toHaveLength(3);
    expect(info.statements[0]).toMatch(/^\/\* lead; \*\/ CREATE TEMP TRIGGER .* END$/);
    expect(info.statements[2]).toBe("EXPLAIN SELECT 1 -- tail; comment");
    expect(info.firstKeyword).toBe("CREATE");
  });

  it("numbers parameters the way SQLite does", () => {
    expect(analyzeSql("SELECT ?, :a, ?5, :a, @b, $c, ?").params).toEqual([
      null,
      ":a",
      null,
      null,
      "?5",
      "@b",
      "$c",
      null,
    ]);
    expect(analyzeSql("SELECT ':x', \"?\"").params).toEqual([]);
    expect(analyzeSql("SELECT :a").hasAnonymousParams).toBe(false);
    expect(analyzeSql("SELECT ?1").hasAnonymousParams).toBe(false);
  });
});
