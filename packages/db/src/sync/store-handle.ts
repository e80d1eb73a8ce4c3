import { sql } from "drizzle-orm";
import type { Transaction } from "@libsql/client";
import type { Db, DbOrTx } from "../database";

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

/**
 * A SQL string literal. Single quotes are the only character SQLite needs escaped inside one; a NUL
 * cannot be in one at all (the SQL is read as a C string, so the statement would end there: a partner's
 * id with a NUL made every apply of its event fail), so it is spliced in as `char(0)`.
 */
export function text(value: string | null): string {
  if (value === null) return "NULL";
  // Most pages hold no quote: skip the copy a replace would make of a page-sized string.
  const literal = (part: string) => `'${part.includes("'") ? part.replaceAll("'", "''") : part}'`;
  return value.includes("\u0000") ? `(${value.split("\u0000").map(literal).join(" || char(0) || ")})` : literal(value);
}

export function int(value: number | null): string {
  if (value === null) return "NULL";
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
  return String(value);
}

/**
 * JSON text as a literal: JSON.stringify escapes control characters, so the literal is plain text. It
 * also escapes unpaired surrogates (`\ud83d`), which SQLite's JSON functions would decode to invalid
 * UTF-8 the database cannot read back; those become U+FFFD (sources' strings are already well-formed,
 * this keeps any other writer from storing bytes nobody can read).
 */
export function json(value: unknown): string {
  const encoded = JSON.stringify(value);
  return text(
    encoded.includes("\\ud") ? encoded.replace(/(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g, "$1\\ufffd") : encoded,
  );
}
