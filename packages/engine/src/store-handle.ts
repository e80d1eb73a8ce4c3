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
  return inWriteTransaction(db, async (tx) => ({ result: await work(transactionHandle(tx)), committed: false }));
}

/** BEGIN IMMEDIATE, then `run`; COMMIT unless `run` already sent it (`committed`). Any error rolls back. */
async function inWriteTransaction<T>(
  db: Db,
  run: (tx: Transaction) => Promise<{ result: T; committed: boolean }>,
): Promise<T> {
  const tx = await db.$client.transaction("write");
  try {
    const { result, committed } = await run(tx);
    if (!committed) await tx.commit();
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

/** What a remote transaction's Hrana stream offers: requests sent in one turn go out as one HTTP request, in order. */
type HranaPipeline = {
  sequence(sql: string): Promise<void>;
  query(sql: string): Promise<{ rows: unknown[] }>;
  closeGracefully(): void;
};

/**
 * The Hrana stream of a remote transaction (over HTTP; @libsql/client keeps it behind `_getStream`), or
 * null (a local file, or a client without it): a script and the reads after it then go in one request,
 * and the last script (with COMMIT) with the stream's close, as `commit()` sends COMMIT with it.
 */
function pipelineOf(tx: Transaction): HranaPipeline | null {
  const getStream = (tx as unknown as { _getStream?: () => Partial<HranaPipeline> })._getStream;
  if (typeof getStream !== "function") return null;
  const stream = getStream.call(tx);
  return typeof stream.sequence === "function" &&
    typeof stream.query === "function" &&
    typeof stream.closeGracefully === "function"
    ? (stream as HranaPipeline)
    : null;
}

/**
 * A script and the reads after it in one HTTP request: both are put on the stream in this turn, so they
 * go out together and run in order. The transaction was begun by an earlier batch (the work reads first).
 */
async function scriptThenReads(pipeline: HranaPipeline, script: string, reads: QueuedRead[]): Promise<void> {
  const ran = pipeline.sequence(script);
  const results = reads.map((read) => pipeline.query(read.text));
  for (const result of results) result.catch(() => undefined);
  try {
    await ran;
    for (const [i, read] of reads.entries()) read.resolve((await results[i]!).rows);
  } catch (error) {
    for (const read of reads) read.reject(error);
    throw error;
  }
}

/**
 * A write transaction that holds the write lock for two round trips instead of one per call: the reads the
 * work issues together (a `Promise.all`) go out as one batch, the first with `BEGIN IMMEDIATE`; scripts wait
 * for the next read or the end, and the last goes out with `COMMIT` as one sequence. Over HTTP a script
 * and the reads that follow it go in one request (the Hrana pipeline: the sequence, then each read), so a
 * pass's page writes travel with the next page's rows read, and the last page's with the sweep's read.
 * Every round trip inside the transaction is time every other writer (a webhook's accept, a pass page)
 * waits for the lock. Statements run in the order the work issued them. An error anywhere rolls
 * everything back.
 */
export async function withPipelinedWriteTransaction<T>(db: Db, work: (handle: StoreHandle) => Promise<T>): Promise<T> {
  return inWriteTransaction(db, async (tx) => {
    const { handle, commit } = pipelinedHandle(tx);
    const result = await work(handle);
    return { result, committed: await commit() };
  });
}

/** The queue behind `withPipelinedWriteTransaction`'s handle; `commit` sends what is left with COMMIT (true once sent). */
function pipelinedHandle(tx: Transaction): { handle: StoreHandle; commit: () => Promise<boolean> } {
  const pipeline = pipelineOf(tx);
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
          const script = [...run.map((item) => item.text), ...(last ? ["COMMIT"] : [])].join(";\n");
          if (pipeline && !last && readsNext()) {
            await scriptThenReads(pipeline, script, takeReads());
            continue;
          }
          if (pipeline && last) {
            const ran = pipeline.sequence(script);
            pipeline.closeGracefully();
            await ran;
            return true;
          }
          await tx.executeMultiple(script);
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
  const readsNext = () => queued[0]?.kind === "read";
  /** The reads at the head of the queue. */
  const takeReads = (): QueuedRead[] => {
    let end = 0;
    while (end < queued.length && queued[end]!.kind === "read") end += 1;
    return queued.splice(0, end) as QueuedRead[];
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

  return { handle, commit: () => flush(true) };
}
