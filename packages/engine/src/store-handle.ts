import { sql } from "drizzle-orm";
import type { Transaction } from "@libsql/client";
import type { Db, DbOrTx } from "@uas/db";

export { int, json, text } from "@uas/db";

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
  all<T>(text: string): Promise<T[]>;
  script(statements: readonly string[]): Promise<void>;
};

/** A drizzle database or transaction: statements run one by one (webhooks and other small writes). */
export function drizzleHandle(db: DbOrTx): StoreHandle {
  return {
    all: <T>(text: string) => db.all<T>(sql.raw(text)),
    async script(statements) {
      for (const statement of statements) await db.run(sql.raw(statement));
    },
  };
}

function transactionHandle(tx: Transaction): StoreHandle {
  return {
    async all<T>(text: string) {
      const result = await tx.execute(text);
      return result.rows as unknown as T[];
    },
    async script(statements) {
      if (statements.length > 0) await tx.executeMultiple(statements.join(";\n"));
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
