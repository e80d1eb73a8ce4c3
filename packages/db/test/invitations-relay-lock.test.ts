import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { claimUnenqueuedInvitations } from "../src";
import { createNodeDb, migrateDb } from "../src/node";

/** Another connection holding the write lock (a pass's transaction) until `holdMs` have passed. */
async function writerHoldingTheLock(file: string, holdMs: number) {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require("node:worker_threads");
    const Database = require("libsql");
    const db = new Database(workerData.file);
    db.exec("BEGIN IMMEDIATE");
    parentPort.postMessage("locked");
    setTimeout(() => { db.exec("COMMIT"); parentPort.postMessage(Date.now()); db.close(); }, workerData.holdMs);
    `,
    { eval: true, workerData: { file, holdMs } },
  );
  await new Promise((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  const committedAt = new Promise<number>((resolve) => worker.once("message", resolve));
  return { worker, committedAt };
}

describe("the invitation relay after a webhook batch", () => {
  it("with nothing queued, does not wait for the write lock another writer holds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uas-relay-lock-"));
    const db = createNodeDb({ url: `file:${join(dir, "test.db")}` });
    try {
      await db.run(sql`PRAGMA journal_mode = WAL`);
      await migrateDb(db);
      await db.run(sql`PRAGMA busy_timeout = 10000`);
      const { worker, committedAt } = await writerHoldingTheLock(join(dir, "test.db"), 3000);
      expect(await claimUnenqueuedInvitations(db, { now: 1, limit: 100 })).toEqual([]);
      const claimedAt = Date.now();
      // An UPDATE would have waited for the lock: the writer would have committed first.
      expect(claimedAt).toBeLessThan(await committedAt);
      await worker.terminate();
    } finally {
      db.$client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
