import { sql } from "drizzle-orm";
import type { Transaction } from "@libsql/client";
import type { Db, DbOrTx, SqlText } from "@uas/db";

/**
 * What the set-based store needs from a connection: read rows, and run a script of statements.
 *
 * Bulk statements are SQL text with the page's data as one JSON string literal, run with
 * `executeMultiple` (sqlite3_exec) inside the page's transaction. Why not bound parameters: the
 * embedded driver (libsql 0.5) never finalizes a statement, so every statement keeps its last bound
 * values alive; binding a page's JSON leaked the whole listing's data (~1 MB per page) over a pass.
 * sqlite3_exec finalizes what it prepares. Over HTTP the script is one Hrana `sequence` request.
 */
export type StoreHandle = {
  all<T>(statement: SqlText): Promise<T[]>;
  script(statements: readonly SqlText[]): Promise<void>;
};

/** A drizzle database or transaction: statements run one by one (webhooks and other small writes). */
export function drizzleHandle(db: DbOrTx): StoreHandle {
  return {
    all: <T>(statement: SqlText) => db.all<T>(sql.raw(statement.text)),
    async script(statements) {
      for (const statement of statements) await db.run(sql.raw(statement.text));
    },
  };
}

function transactionHandle(tx: Transaction): StoreHandle {
  return {
    async all<T>(statement: SqlText) {
      const result = await tx.execute(statement.text);
      return result.rows as unknown as T[];
    },
    async script(statements) {
      if (statements.length > 0) await tx.executeMultiple(statements.map((statement) => statement.text).join(";\n"));
    },
  };
}

/** One write transaction (BEGIN IMMEDIATE, so it serialises with webhooks), committed if `work` returns. */
export async function withWriteTransaction<T>(db: Db, work: (handle: StoreHandle) => Promise<T>): Promise<T> {
  const tx = await db.$client.transaction("write");
  try {
    const result = await work(transactionHandle(tx));
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  } finally {
    tx.close();
  }
}

type QueuedRead = { kind: "read"; text: string; resolve: (rows: unknown[]) => void; reject: (error: unknown) => void };
type QueuedScript = { kind: "script"; text: string };

/**
 * A write transaction that holds the write lock for two round trips instead of one per call: the reads the
 * work issues together (a `Promise.all`) go out as one batch, the first with `BEGIN IMMEDIATE`; scripts wait
 * for the next read or the end, and the last goes out with `COMMIT` as one sequence. Every round trip
 * inside the transaction is time every other writer (a webhook's accept, a pass page) waits for the lock.
 * Statements run in the order the work issued them. An error anywhere rolls everything back.
 */
export async function withPipelinedWriteTransaction<T>(db: Db, work: (handle: StoreHandle) => Promise<T>): Promise<T> {
  const tx = await db.$client.transaction("write");
  const queued: Array<QueuedRead | QueuedScript> = [];
  let flushing: Promise<void> = Promise.resolve();
  let scheduled = false;

  /**
   * Sends what is queued, consecutive reads as one batch and consecutive scripts as one sequence (the last
   * with COMMIT when `commit`). True once committed. A failure fails every read still waiting.
   */
  const send = async (commit: boolean): Promise<boolean> => {
    try {
      while (queued.length > 0) {
        const kind = queued[0]!.kind;
        let end = 1;
        while (end < queued.length && queued[end]!.kind === kind) end += 1;
        const run = queued.splice(0, end);
        if (kind === "script") {
          const last = commit && queued.length === 0;
          await tx.executeMultiple([...run.map((item) => item.text), ...(last ? ["COMMIT"] : [])].join(";\n"));
          if (last) return true;
          continue;
        }
        const reads = run as QueuedRead[];
        try {
          const results = await tx.batch(reads.map((read) => read.text));
          for (const [i, read] of reads.entries()) read.resolve((results[i]?.rows ?? []) as unknown[]);
        } catch (error) {
          for (const read of reads) read.reject(error);
          throw error;
        }
      }
      return false;
    } catch (error) {
      for (const item of queued.splice(0)) if (item.kind === "read") item.reject(error);
      throw error;
    }
  };
  const flush = (commit: boolean) => {
    const next = flushing.then(() => send(commit));
    flushing = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  };

  const handle: StoreHandle = {
    all<R>(statement: SqlText) {
      return new Promise<R[]>((resolve, reject) => {
        queued.push({ kind: "read", text: statement.text, resolve: resolve as (rows: unknown[]) => void, reject });
        if (scheduled) return;
        scheduled = true;
        // After the reads issued in this turn (a Promise.all's other branches) have queued theirs.
        setTimeout(() => {
          scheduled = false;
          flush(false).catch(() => undefined);
        }, 0);
      });
    },
    async script(statements) {
      for (const statement of statements) queued.push({ kind: "script", text: statement.text });
    },
  };

  try {
    const result = await work(handle);
    const committed = await flush(true);
    if (!committed) await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  } finally {
    tx.close();
  }
}
