import { afterAll, beforeAll, expect, it } from "vitest";
import { pipeline, startTestServer, type TestServer } from "./helpers.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

const run = (baton: string | null, sql: string, args: unknown[] = []) =>
  pipeline(t.server, {
    ...(baton ? { baton } : {}),
    requests: [{ type: "execute", stmt: { sql, args } }],
  });

it("re-prepares a cached statement after another connection changed the schema (a trigger dropped)", async () => {
  await pipeline(t.server, {
    requests: [
      { type: "sequence", sql: "CREATE TABLE person (id INTEGER PRIMARY KEY, name TEXT NOT NULL)" },
      { type: "close" },
    ],
  });
  const insert = "INSERT INTO person (name) VALUES (?) RETURNING id, name";
  const text = (value: string) => ({ type: "text", value });
  const ddl = await pipeline(t.server, {
    requests: [
      {
        type: "execute",
        stmt: {
          sql: "CREATE TRIGGER refuse BEFORE INSERT ON person WHEN NEW.name = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END",
        },
      },
      { type: "close" },
    ],
  });
  expect(ddl.json.results[0]).toMatchObject({ type: "ok" });
  // One stream keeps its connection (and that connection's statement cache) across the schema change;
  // its statement is prepared while the trigger exists.
  const refused = await run(null, insert, [text("refused")]);
  expect(refused.json.results[0]).toMatchObject({ type: "error" });
  const drop = await pipeline(t.server, {
    requests: [{ type: "execute", stmt: { sql: "DROP TRIGGER refuse" } }, { type: "close" }],
  });
  expect(drop.json.results[0]).toMatchObject({ type: "ok" });
  const after = await run(refused.json.baton, insert, [text("after")]);
  expect(after.json.results[0]).toMatchObject({ type: "ok" });
  expect(after.json.results[0].response.result.rows[0][1]).toEqual({ type: "text", value: "after" });
});

it("runs an INSERT … RETURNING that waited for another connection's write lock, once the lock is free", async () => {
  await pipeline(t.server, {
    requests: [{ type: "sequence", sql: "CREATE TABLE waited (id INTEGER PRIMARY KEY, name TEXT)" }, { type: "close" }],
  });
  const insert = "INSERT INTO waited (name) VALUES (?) RETURNING id, name";
  const text = (value: string) => ({ type: "text", value });
  // The inserting stream's statement is prepared and cached first.
  const warm = await run(null, insert, [text("warm")]);
  const holder = await pipeline(t.server, {
    requests: [
      { type: "execute", stmt: { sql: "BEGIN IMMEDIATE" } },
      { type: "execute", stmt: { sql: "INSERT INTO waited (name) VALUES ('holder')" } },
    ],
  });
  const waiting = run(warm.json.baton, insert, [text("waited")]);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await pipeline(t.server, {
    baton: holder.json.baton,
    requests: [{ type: "execute", stmt: { sql: "COMMIT" } }, { type: "close" }],
  });
  const done = await waiting;
  expect(done.json.results[0]).toMatchObject({ type: "ok" });
  expect(done.json.results[0].response.result.rows[0][1]).toEqual({ type: "text", value: "waited" });
});
