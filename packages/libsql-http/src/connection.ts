import Database from "libsql";
import { encodeValue, StmtError, type DescribeResult, type SqlValue, type StmtResult } from "./protocol.js";
import { analyzeSql } from "./sql.js";

/**
 * How long a statement keeps retrying while another connection holds the write lock. Generous, as a
 * server's busy timeout is: a pass step now writes up to 5,000 records in one transaction, and on a
 * loaded 2-core machine that (or a few queued behind it) can take longer than 5 s.
 */
const BUSY_WAIT_MS = 20_000;
const STMT_CACHE_SIZE = 64;

export type Params = SqlValue[] | Record<string, SqlValue>;

/**
 * A statement and, for a query, the same query wrapped so that text holding a NUL comes back exactly.
 * The native driver reads text as a C string, so "Nul\0Byte" would come back as "Nul" (SQLite stores it
 * whole, and Turso returns it whole). The wrapper returns, beside each column, that column's value as a
 * blob when it is text containing a NUL (NULL otherwise), and the blob's bytes replace the cut text.
 */
type Prepared = { stmt: Database.Statement; exact: Database.Statement | null };

/** Statements whose result can be read through a CTE: the rest (PRAGMA, EXPLAIN, RETURNING) are read as they are. */
const WRAPPABLE = new Set(["SELECT", "VALUES", "WITH"]);

function exactTextQuery(statement: string, columnCount: number): string {
  const names = Array.from({ length: columnCount }, (_, i) => `c${i}`);
  const asBlob = names.map(
    (c) => `CASE WHEN typeof(${c}) = 'text' AND instr(${c}, char(0)) > 0 THEN CAST(${c} AS BLOB) END`,
  );
  // The CTE's column list names the columns by position, so duplicate or unnamed result columns still work.
  return `WITH uas_exact_text(${names.join(", ")}) AS (\n${statement}\n) SELECT *, ${asBlob.join(", ")} FROM uas_exact_text`;
}

function restoreCutText(rows: unknown[][], columnCount: number): unknown[][] {
  for (const row of rows) {
    for (let i = 0; i < columnCount; i++) {
      const whole = row[columnCount + i];
      if (whole != null) row[i] = Buffer.from(whole as Uint8Array).toString("utf8");
    }
    row.length = columnCount;
  }
  return rows;
}

/** One libSQL connection to the database file, owned by at most one stream at a time. */
export class Connection {
  readonly db: Database.Database;
  private readonly stmts = new Map<string, Prepared>();
  private readonly meta: Database.Statement;
  /**
   * A statement gave up waiting for the write lock: SQLite leaves such a statement mid-way (it would
   * resume if stepped again), and while it is, every COMMIT on this connection fails with "cannot commit
   * transaction - SQL statements in progress" (holding the write lock the transaction took). libsql
   * cannot reset or finalize a statement, so the connection is not handed to another stream.
   */
  private stranded = false;

  constructor(
    file: string,
    private readonly busyWaitMs = BUSY_WAIT_MS,
  ) {
    this.db = new Database(file);
    this.db.defaultSafeIntegers(true);
    // Every connection lives on the one Node thread: a blocking SQLite busy handler would freeze
    // the event loop that the lock holder needs in order to commit. So SQLite fails fast and
    // withBusyRetry() waits asynchronously instead. Foreign keys are on, as on libsql-server.
    // synchronous=NORMAL skips the fsync per commit (WAL stays consistent after a process crash;
    // only an OS crash can lose the last commits), which is the right trade for a local server.
    this.db.exec("PRAGMA busy_timeout = 0; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL");
    this.meta = this.db.prepare("SELECT total_changes(), changes(), last_insert_rowid()").raw(true);
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  async execute(sql: string, params: Params, wantRows: boolean): Promise<StmtResult> {
    const info = analyzeSql(sql);
    if (info.statements.length === 0)
      throw new StmtError("SQL string does not contain any statement", "SQL_NO_STATEMENT");
    if (info.statements.length > 1)
      throw new StmtError("SQL string contains more than one statement", "SQL_MANY_STATEMENTS");
    if (!Array.isArray(params) && info.hasAnonymousParams) {
      throw new StmtError(
        "Arguments do not match SQL parameters: named arguments cannot bind an anonymous `?`",
        "ARGS_INVALID",
      );
    }
    return this.withFreshStatementsOnStaleSchema(() => this.executeOnce(sql, info, params, wantRows));
  }

  /**
   * A statement cached before another connection changed the schema can fail as if a table were missing
   * (seen, rarely, after a test dropped a trigger while the endpoint was under load); no statement has run
   * then, so it is prepared again, once, from a fresh cache.
   */
  private async withFreshStatementsOnStaleSchema<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (this.stmts.size === 0 || !/no such table/.test(String((error as Error)?.message))) throw error;
      console.warn("libsql-http: a cached statement saw a missing table; preparing it again", String(error));
      this.stmts.clear();
      return work();
    }
  }

  private executeOnce(
    sql: string,
    info: ReturnType<typeof analyzeSql>,
    params: Params,
    wantRows: boolean,
  ): Promise<StmtResult> {
    return this.withBusyRetry(() => {
      const { stmt, exact } = this.prepare(sql, info.statements[0]!, info.firstKeyword);
      const [before] = this.meta.get() as bigint[];
      let rows: unknown[][] = [];
      if (stmt.reader && wantRows) {
        rows = exact
          ? restoreCutText(exact.all(params) as unknown[][], stmt.columns().length)
          : (stmt.all(params) as unknown[][]);
      } else if (stmt.reader) {
        // Stepped to its end even when no rows are wanted: see `sequence`.
        stmt.all(params);
      } else {
        stmt.run(params);
      }
      // total_changes() tells whether *this* statement wrote; changes() alone keeps the count of
      // the last INSERT/UPDATE/DELETE, even across later SELECT, DDL or COMMIT statements.
      const [after, changes, rowid] = this.meta.get() as bigint[];
      const wrote = after !== before;
      if (!this.db.inTransaction) notifyLockRelease();
      return {
        cols: stmt.columns().map((c) => ({ name: c.name, decltype: c.type })),
        rows: rows.map((row) => row.map(encodeValue)),
        affected_row_count: wrote ? Number(changes) : 0,
        last_insert_rowid: wrote ? String(rowid) : null,
      };
    });
  }

  /** Runs each statement of `sql` in turn, stopping at the first error. */
  async sequence(sql: string): Promise<void> {
    for (const statement of analyzeSql(sql).statements) {
      // A reading statement is stepped to its end: `run()` would leave it on its first row, holding the
      // connection's read snapshot (even back in the pool), so later reads on it are stale and its writes
      // fail SQLITE_BUSY. Prepared once: a retry runs the statement that waited, not a new one beside it.
      const prepared = await this.withBusyRetry(() => this.db.prepare(statement));
      await this.withBusyRetry(() => {
        if (prepared.reader) prepared.all();
        else prepared.run();
      });
    }
    if (!this.db.inTransaction) notifyLockRelease();
  }

  async describe(sql: string): Promise<DescribeResult> {
    const info = analyzeSql(sql);
    if (info.statements.length !== 1) {
      throw new StmtError(
        "SQL string must contain exactly one statement",
        info.statements.length ? "SQL_MANY_STATEMENTS" : "SQL_NO_STATEMENT",
      );
    }
    return this.withBusyRetry(() => {
      const cols = this.prepare(sql, info.statements[0]!, info.firstKeyword)
        .stmt.columns()
        .map((c) => ({ name: c.name, decltype: c.type }));
      const isExplain = info.firstKeyword === "EXPLAIN";
      // libsql does not expose sqlite3_stmt_readonly(); a write shows up as an
      // OP_Transaction with a non-zero p2 in the statement's bytecode.
      const program = isExplain
        ? []
        : (this.db.prepare(`EXPLAIN ${info.statements[0]}`).raw(true).all() as unknown[][]);
      const writes = program.some((op) => op[1] === "Transaction" && op[3] !== 0n);
      return { params: info.params.map((name) => ({ name })), cols, is_explain: isExplain, is_readonly: !writes };
    });
  }

  /**
   * Makes the connection fit for another stream: rolls back a transaction left open and restores
   * the one setting the client itself toggles (`PRAGMA foreign_keys` around migrations).
   * Returns false if the connection should be discarded instead.
   */
  reset(): boolean {
    try {
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      if (this.db.inTransaction || this.stranded) return false;
      notifyLockRelease();
      this.db.exec("PRAGMA foreign_keys = ON");
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      // already closed
    }
  }

  /** Runs `fn` (a single statement: retrying it is safe), waiting out SQLITE_BUSY without blocking. */
  private async withBusyRetry<T>(fn: () => T): Promise<T> {
    try {
      return await retryWhileBusy(fn, this.busyWaitMs);
    } catch (error) {
      if (isLockError(error)) this.stranded = true;
      throw error;
    }
  }

  private prepare(sql: string, statement: string, firstKeyword: string): Prepared {
    let prepared = this.stmts.get(sql);
    if (prepared !== undefined) {
      this.stmts.delete(sql); // re-inserted below: the Map's order is the LRU order
    } else {
      const stmt = this.db.prepare(sql);
      let exact: Database.Statement | null = null;
      if (stmt.reader) {
        stmt.raw(true);
        if (WRAPPABLE.has(firstKeyword)) exact = this.prepareExact(statement, stmt.columns().length);
      }
      prepared = { stmt, exact };
      if (this.stmts.size >= STMT_CACHE_SIZE) this.stmts.delete(this.stmts.keys().next().value!);
    }
    this.stmts.set(sql, prepared);
    return prepared;
  }

  /** The wrapped query, or null where SQLite refuses it (a WITH … INSERT … RETURNING, say). */
  private prepareExact(statement: string, columnCount: number): Database.Statement | null {
    if (columnCount === 0) return null;
    try {
      return this.db.prepare(exactTextQuery(statement, columnCount)).raw(true);
    } catch {
      return null;
    }
  }
}

function isRetryableBusy(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // BUSY_SNAPSHOT means our read snapshot is stale: waiting cannot help, the transaction must restart.
  // A COMMIT refused for this connection's own unfinished statements (SQLITE_BUSY too) waits for nothing
  // another connection does, and would hold the write lock while it waited.
  return (
    typeof code === "string" &&
    code.startsWith("SQLITE_BUSY") &&
    code !== "SQLITE_BUSY_SNAPSHOT" &&
    !/statements in progress/.test(String(message))
  );
}

/** A statement refused a lock (after waiting, or at once): SQLite may have left it mid-way. */
function isLockError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/**
 * Statements waiting out another connection's write lock. Every connection lives in this process, so
 * the holder can wake them the moment it commits instead of leaving them to poll: under concurrent
 * writers that turns tens of milliseconds of backoff into a wait just as long as the lock is held.
 */
const lockWaiters = new Set<() => void>();

function waitForLockRelease(maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      lockWaiters.delete(wake);
      resolve();
    };
    const timer = setTimeout(wake, maxMs);
    lockWaiters.add(wake);
  });
}

/** Called when a connection is back in autocommit: any write lock it held is released. */
export function notifyLockRelease(): void {
  for (const wake of [...lockWaiters]) wake();
}

async function retryWhileBusy<T>(fn: () => T, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    try {
      return fn();
    } catch (error) {
      if (!isRetryableBusy(error) || Date.now() + delay > deadline) throw toStmtError(error);
    }
    // Woken by the holder's commit; the timeout only covers a writer outside this process.
    await waitForLockRelease(delay);
  }
}

/** Same messages and codes as libsql-server: "SQLite error: ..." with the primary result code. */
export function toStmtError(error: unknown): StmtError {
  if (error instanceof StmtError) return error;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === "string" && code.startsWith("SQLITE_")) {
    return new StmtError(`SQLite error: ${String(message)}`, code.split("_", 2).join("_"));
  }
  if (error instanceof RangeError || error instanceof TypeError) {
    return new StmtError(`Arguments do not match SQL parameters: ${error.message}`, "ARGS_INVALID");
  }
  return new StmtError(String(message ?? error), "SQLITE_UNKNOWN");
}
