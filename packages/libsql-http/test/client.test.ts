import { LibsqlError, type Client } from "@libsql/client/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers.js";

let t: TestServer;
let db: Client;

beforeAll(async () => {
  t = await startTestServer();
  db = t.client({ intMode: "bigint" });
  await db.executeMultiple(`
    CREATE TABLE kv (k TEXT PRIMARY KEY, v);
    CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
    INSERT INTO counter VALUES (1, 0);
  `);
});
afterAll(() => t.stop());

describe("execute", () => {
  it("binds positional and named arguments", async () => {
    const positional = await db.execute({ sql: "SELECT ? AS a, ?2 AS b, ? AS c", args: [1, "two", null] });
    expect(positional.rows[0]).toMatchObject({ a: 1, b: "two", c: null });

    const named = await db.execute({
      sql: "SELECT :a AS a, @b AS b, $c AS c, :a || '!' AS again",
      args: { a: "x", ":b": 2n, c: 3.5 },
    });
    expect(named.columns).toEqual(["a", "b", "c", "again"]);
    expect(named.rows[0]).toMatchObject({ a: "x", b: 2n, c: 3.5, again: "x!" });
  });

  it("round-trips every value type exactly", async () => {
    const big = 2n ** 62n + 12345n; // well beyond 2^53
    const blob = new Uint8Array([0, 1, 2, 250, 255]);
    const text = "héllo wörld – 你好 – 🙂";
    await db.execute({
      sql: "INSERT INTO kv VALUES ('big', ?), ('neg', ?), ('f', ?), ('t', ?), ('b', ?), ('n', ?), ('one', ?)",
      args: [big, -big, 1.25, text, blob, null, 1],
    });
    const rs = await db.execute("SELECT k, v, typeof(v) AS type FROM kv ORDER BY k");
    const byKey = Object.fromEntries(rs.rows.map((r) => [r.k as string, { v: r.v, type: r.type }]));
    expect(byKey.big).toEqual({ v: big, type: "integer" });
    expect(byKey.neg).toEqual({ v: -big, type: "integer" });
    expect(byKey.f).toEqual({ v: 1.25, type: "real" });
    expect(byKey.t).toEqual({ v: text, type: "text" });
    expect(new Uint8Array(byKey.b!.v as ArrayBuffer)).toEqual(blob);
    expect(byKey.b!.type).toBe("blob");
    expect(byKey.n).toEqual({ v: null, type: "null" });
    // A JS number is sent as a float, exactly as @libsql/client does against Turso.
    expect(byKey.one).toEqual({ v: 1, type: "real" });

    const edge = await db.execute({
      sql: "SELECT ? AS max, ? AS min, 1.0 AS whole_float, 2 AS int",
      args: [2n ** 63n - 1n, -(2n ** 63n)],
    });
    expect(edge.rows[0]).toMatchObject({ max: 2n ** 63n - 1n, min: -(2n ** 63n), whole_float: 1, int: 2n });
  });

  it("reports affected rows, last insert rowid and declared types", async () => {
    const ins = await db.execute({
      sql: "INSERT INTO items (name, qty) VALUES (?, ?), (?, ?)",
      args: ["apple", 1n, "pear", 2n],
    });
    expect(ins.rowsAffected).toBe(2);
    expect(ins.lastInsertRowid).toBe(2n);

    const upd = await db.execute("UPDATE items SET qty = qty + 1");
    expect(upd.rowsAffected).toBe(2);
    // changes() would still say 2 here; a SELECT must report 0.
    const sel = await db.execute("SELECT id, name, qty FROM items ORDER BY id");
    expect(sel.rowsAffected).toBe(0);
    expect(sel.columnTypes).toEqual(["INTEGER", "TEXT", "INTEGER"]);
    expect(sel.rows.map((r) => r.name)).toEqual(["apple", "pear"]);

    const ret = await db.execute({ sql: "INSERT INTO items (name) VALUES (?) RETURNING id, name", args: ["plum"] });
    expect(ret.rows[0]).toMatchObject({ id: 3n, name: "plum" });
    expect(ret.rowsAffected).toBe(1);
  });

  it("runs executeMultiple, keeping trigger bodies whole", async () => {
    await db.executeMultiple(`
      CREATE TABLE log (msg TEXT); -- a comment; with a semicolon
      CREATE TRIGGER items_log AFTER INSERT ON items BEGIN
        INSERT INTO log VALUES ('added ' || new.name);
        INSERT INTO log VALUES ('done; really');
      END;
      INSERT INTO items (name) VALUES ('fig');
    `);
    const log = await db.execute("SELECT msg FROM log");
    expect(log.rows.map((r) => r.msg)).toEqual(["added fig", "done; really"]);
  });
});

describe("errors", () => {
  it("surfaces SQLite errors as LibsqlError with the SQLite message", async () => {
    const err = await db.execute("SELECT * FROM no_such_table").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibsqlError);
    expect((err as LibsqlError).code).toBe("SQLITE_ERROR");
    expect((err as LibsqlError).message).toContain("no such table: no_such_table");

    const dup = await db
      .execute({ sql: "INSERT INTO items (name) VALUES (?)", args: ["apple"] })
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(LibsqlError);
    expect((dup as LibsqlError).code).toBe("SQLITE_CONSTRAINT");
    expect((dup as LibsqlError).message).toContain("UNIQUE constraint failed: items.name");

    const syntax = await db.execute("SELEC 1").catch((e: unknown) => e);
    expect((syntax as LibsqlError).message).toContain("syntax error");
  });

  it("rejects SQL with no statement or more than one, like libsql-server", async () => {
    const many = await db.execute("SELECT 1; SELECT 2").catch((e: unknown) => e);
    expect((many as LibsqlError).code).toBe("SQL_MANY_STATEMENTS");
    const none = await db.execute("  -- nothing here\n").catch((e: unknown) => e);
    expect((none as LibsqlError).code).toBe("SQL_NO_STATEMENT");
    // A trailing semicolon and comments are fine.
    expect((await db.execute("SELECT 1 AS x; -- done")).rows[0]).toMatchObject({ x: 1n });
  });

  it("refuses named arguments for an anonymous `?` instead of crashing", async () => {
    const err = await db.execute({ sql: "SELECT ?, :a", args: { a: 1 } }).catch((e: unknown) => e);
    expect((err as LibsqlError).code).toBe("ARGS_INVALID");
    expect((await db.execute("SELECT 1 AS alive")).rows[0]).toMatchObject({ alive: 1n });
  });
});

describe("batch", () => {
  it("is atomic: a failing statement rolls back the whole batch", async () => {
    const before = await db.execute("SELECT count(*) AS n FROM items");
    const err = await db
      .batch(
        [
          { sql: "INSERT INTO items (name) VALUES (?)", args: ["batch-1"] },
          { sql: "UPDATE items SET qty = 100" },
          { sql: "INSERT INTO items (name) VALUES (?)", args: ["apple"] }, // duplicate
          { sql: "INSERT INTO items (name) VALUES (?)", args: ["batch-2"] },
        ],
        "write",
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LibsqlError);
    expect((err as LibsqlError).message).toContain("UNIQUE constraint failed");
    const after = await db.execute("SELECT count(*) AS n, max(qty) AS q FROM items");
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
    expect(after.rows[0]!.q).not.toBe(100n);
  });

  it("returns every result of a successful batch", async () => {
    const results = await db.batch(
      [
        { sql: "INSERT INTO kv VALUES (?, ?)", args: ["batch-a", 1n] },
        { sql: "INSERT INTO kv VALUES (?, ?)", args: ["batch-b", 2n] },
        { sql: "SELECT sum(v) AS s FROM kv WHERE k LIKE 'batch-%'" },
      ],
      "write",
    );
    expect(results.map((r) => r.rowsAffected)).toEqual([1, 1, 0]);
    expect(results[2]!.rows[0]).toMatchObject({ s: 3n });
  });
});

describe("interactive transactions", () => {
  it("commits", async () => {
    const tx = await db.transaction("write");
    await tx.execute({ sql: "INSERT INTO kv VALUES (?, ?)", args: ["tx-commit", 1n] });
    expect((await tx.execute("SELECT v FROM kv WHERE k = 'tx-commit'")).rows).toHaveLength(1);
    // Outside the transaction, the uncommitted row is invisible and reads are not blocked (WAL).
    expect((await db.execute("SELECT v FROM kv WHERE k = 'tx-commit'")).rows).toHaveLength(0);
    await tx.commit();
    expect((await db.execute("SELECT v FROM kv WHERE k = 'tx-commit'")).rows).toHaveLength(1);
  });

  it("rolls back", async () => {
    const tx = await db.transaction("write");
    await tx.batch([
      { sql: "INSERT INTO kv VALUES (?, ?)", args: ["tx-rollback", 1n] },
      { sql: "UPDATE counter SET n = n + 1000" },
    ]);
    await tx.rollback();
    expect((await db.execute("SELECT v FROM kv WHERE k = 'tx-rollback'")).rows).toHaveLength(0);
    expect((await db.execute("SELECT n FROM counter")).rows[0]!.n).toBe(0n);
  });

  it("keeps a failed statement from ending the transaction", async () => {
    const tx = await db.transaction("write");
    await tx.execute({ sql: "INSERT INTO kv VALUES (?, ?)", args: ["tx-partial", 1n] });
    await expect(tx.execute({ sql: "INSERT INTO kv VALUES (?, ?)", args: ["tx-partial", 2n] })).rejects.toThrow(
      /UNIQUE/,
    );
    await tx.commit();
    expect((await db.execute("SELECT v FROM kv WHERE k = 'tx-partial'")).rows[0]!.v).toBe(1n);
  });

  it("serializes concurrent write transactions without lost updates", async () => {
    const increment = async (client: Client, delayMs: number) => {
      const tx = await client.transaction("write");
      try {
        const { rows } = await tx.execute("SELECT n FROM counter WHERE id = 1");
        await new Promise((r) => setTimeout(r, delayMs)); // hold the write lock across requests
        await tx.execute({ sql: "UPDATE counter SET n = ? WHERE id = 1", args: [(rows[0]!.n as bigint) + 1n] });
        await tx.commit();
      } finally {
        tx.close();
      }
    };
    const other = t.client({ intMode: "bigint" });
    const start = (await db.execute("SELECT n FROM counter")).rows[0]!.n as bigint;
    await Promise.all([increment(db, 200), increment(other, 50), increment(t.client({ intMode: "bigint" }), 0)]);
    expect((await db.execute("SELECT n FROM counter")).rows[0]!.n).toBe(start + 3n);
  });

  it("lets autocommit writes wait for a transaction instead of failing", async () => {
    const tx = await db.transaction("write");
    await tx.execute("UPDATE counter SET n = n + 1");
    const waiting = db.execute("UPDATE counter SET n = n * 10").then(() => Date.now());
    await new Promise((r) => setTimeout(r, 150));
    const committedAt = Date.now();
    await tx.commit();
    expect(await waiting).toBeGreaterThanOrEqual(committedAt);
  });

  it("rolls back a transaction whose stream is abandoned", async () => {
    const short = await startTestServer({ streamIdleTimeoutMs: 200 });
    try {
      const client = short.client();
      await client.execute("CREATE TABLE t (x)");
      const tx = await client.transaction("write");
      await tx.execute("INSERT INTO t VALUES (1)");
      await new Promise((r) => setTimeout(r, 400));
      const err = await tx.commit().catch((e: unknown) => e);
      expect((err as LibsqlError).code).toBe("STREAM_EXPIRED");
      expect((await client.execute("SELECT count(*) AS n FROM t")).rows[0]).toMatchObject({ n: 0 });
      // The lock is gone: a new write goes through at once.
      await client.execute("INSERT INTO t VALUES (2)");
    } finally {
      await short.stop();
    }
  });
});
