import { afterEach, beforeEach, expect, it } from "vitest";
import { Connection } from "../src/connection.js";
import { pipeline, startTestServer, type TestServer } from "./helpers.js";

// SQLite leaves a statement that was refused the write lock mid-way, and a connection holding one
// fails every later COMMIT ("SQL statements in progress") while its transaction holds the lock: under a
// pass and a webhook burst, one refused statement stalled every writer for the whole busy wait.

const BUSY_WAIT_MS = 300;
let t: TestServer;
beforeEach(async () => {
  t = await startTestServer({ busyWaitMs: BUSY_WAIT_MS });
  await t.client().execute("CREATE TABLE t (v INTEGER)");
});
afterEach(() => t.stop());

/** Holds the write lock on one stream until the returned function commits it. */
async function holdWriteLock(): Promise<() => Promise<void>> {
  const tx = await t.client().transaction("write");
  await tx.execute("INSERT INTO t VALUES (0)");
  return async () => {
    await tx.commit();
    tx.close();
  };
}

/** Keeps one pooled connection busy on an open stream, so the next stream gets the connection pooled before it. */
async function occupyNewestPooledConnection(): Promise<() => Promise<void>> {
  const held = await pipeline(t.server, { requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }] });
  return async () => {
    await pipeline(t.server, { baton: held.json.baton, requests: [{ type: "close" }] });
  };
}

it("does not hand a connection whose statement gave up waiting for the lock to a later write transaction", async () => {
  const release = await holdWriteLock();
  await expect(t.client().execute("INSERT INTO t VALUES (1)")).rejects.toThrow(/SQLITE_BUSY/);
  await release();
  // The connection released last (the lock holder's) goes to this stream; the next write gets the one before.
  const occupied = await occupyNewestPooledConnection();
  const started = Date.now();
  await t.client().batch(["INSERT INTO t VALUES (2)", "INSERT INTO t VALUES (3)"], "write");
  expect(Date.now() - started).toBeLessThan(BUSY_WAIT_MS);
  await occupied();
  const { rows } = await t.client().execute("SELECT group_concat(v) AS v FROM (SELECT v FROM t ORDER BY v)");
  expect(rows[0]?.v).toBe("0,2,3");
});

it("retries a waiting sequence with its own statements, leaving none mid-way on the pooled connection", async () => {
  const release = await holdWriteLock();
  const waiting = t.client().executeMultiple("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)");
  await new Promise((resolve) => setTimeout(resolve, BUSY_WAIT_MS / 3));
  await release();
  await waiting;
  // The sequence's connection was released after the holder's: the next stream gets the holder's.
  const occupied = await occupyNewestPooledConnection();
  await t.client().batch(["INSERT INTO t VALUES (3)"], "write");
  await occupied();
  const { rows } = await t.client().execute("SELECT count(*) AS n FROM t");
  expect(rows[0]?.n).toBe(4);
});

it("fails at once a COMMIT refused for the connection's own unfinished statement, not after the busy wait", async () => {
  const holder = new Connection(t.file, BUSY_WAIT_MS);
  const refused = new Connection(t.file, BUSY_WAIT_MS);
  await holder.execute("BEGIN IMMEDIATE", [], false);
  await expect(refused.execute("INSERT INTO t VALUES (1)", [], false)).rejects.toMatchObject({ code: "SQLITE_BUSY" });
  await holder.execute("COMMIT", [], false);
  await refused.execute("BEGIN IMMEDIATE", [], false);
  await refused.execute("INSERT INTO t VALUES (2)", [], false);
  const started = Date.now();
  await expect(refused.execute("COMMIT", [], false)).rejects.toThrow(/statements in progress/);
  expect(Date.now() - started).toBeLessThan(BUSY_WAIT_MS / 2);
  expect(refused.reset()).toBe(false);
  holder.close();
  refused.close();
});

it("rolls back a stream's transaction when it closes with the connection pool full, so its lock is not kept", async () => {
  // Nine streams open at once; eight close first and fill the pool of idle connections.
  const streams = await Promise.all(
    Array.from({ length: 9 }, () => pipeline(t.server, { requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }] })),
  );
  const [writer, ...others] = streams.map((stream) => stream.json.baton as string);
  const begun = await pipeline(t.server, {
    baton: writer,
    requests: [
      { type: "execute", stmt: { sql: "BEGIN IMMEDIATE" } },
      { type: "execute", stmt: { sql: "INSERT INTO t VALUES (1)" } },
    ],
  });
  for (const baton of others) await pipeline(t.server, { baton, requests: [{ type: "close" }] });
  // The client gives up on its transaction (an error, say) and closes the stream without COMMIT.
  await pipeline(t.server, { baton: begun.json.baton, requests: [{ type: "close" }] });
  await t.client().execute("INSERT INTO t VALUES (2)");
  const { rows } = await t.client().execute("SELECT group_concat(v) AS v FROM t");
  expect(rows[0]?.v).toBe("2");
});
