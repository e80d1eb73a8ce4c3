import { afterAll, beforeAll, expect, it } from "vitest";
import { pipeline, startTestServer, type TestServer } from "./helpers.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

it("finishes the reading statements of a sequence, so the pooled connection reads fresh data after it", async () => {
  const sql = "CREATE TABLE seqsnap (v INTEGER); INSERT INTO seqsnap VALUES (1), (2); SELECT v FROM seqsnap;";
  const created = await pipeline(t.server, { requests: [{ type: "sequence", sql }, { type: "close" }] });
  expect(created.json.results[0]).toEqual({ type: "ok", response: { type: "sequence" } });
  const count = { type: "execute", stmt: { sql: "SELECT count(*) FROM seqsnap" } };
  // The connection the sequence used went back to the pool and serves this stream, which stays open.
  const held = await pipeline(t.server, { requests: [count] });
  const other = await pipeline(t.server, {
    requests: [{ type: "execute", stmt: { sql: "INSERT INTO seqsnap VALUES (3)" } }, { type: "close" }],
  });
  expect(other.json.results[0]).toMatchObject({ type: "ok" });
  const again = await pipeline(t.server, { baton: held.json.baton, requests: [count, { type: "close" }] });
  expect(again.json.results[0].response.result.rows[0][0]).toMatchObject({ value: "3" });
});

it("finishes a reading statement executed without rows wanted, for the same reason", async () => {
  await pipeline(t.server, {
    requests: [{ type: "execute", stmt: { sql: "CREATE TABLE norows (v INTEGER)" } }, { type: "close" }],
  });
  const unwanted = { type: "execute", stmt: { sql: "SELECT 1 UNION ALL SELECT 2", want_rows: false } };
  await pipeline(t.server, { requests: [unwanted, { type: "close" }] });
  const count = { type: "execute", stmt: { sql: "SELECT count(*) FROM norows" } };
  const held = await pipeline(t.server, { requests: [count] });
  const other = await pipeline(t.server, {
    requests: [{ type: "execute", stmt: { sql: "INSERT INTO norows VALUES (1)" } }, { type: "close" }],
  });
  expect(other.json.results[0]).toMatchObject({ type: "ok" });
  const again = await pipeline(t.server, { baton: held.json.baton, requests: [count, { type: "close" }] });
  expect(again.json.results[0].response.result.rows[0][0]).toMatchObject({ value: "1" });
});
