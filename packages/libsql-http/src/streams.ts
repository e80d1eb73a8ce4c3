import { randomBytes } from "node:crypto";
import { Connection } from "./connection.js";

const MAX_IDLE_CONNECTIONS = 8;

/** A Hrana stream: one connection plus the SQL texts stored on it, chained by batons. */
export class Stream {
  readonly sqls = new Map<number, string>();
  closed = false;
  timer: NodeJS.Timeout | undefined;
  constructor(readonly conn: Connection) {}
}

/**
 * Owns all connections. A stream holds its connection exclusively between requests (so an
 * interactive transaction survives across HTTP requests); a closed or expired stream returns its
 * connection to a small pool, because most requests are one-shot (open, execute, close).
 */
export class StreamManager {
  private readonly idle: Connection[] = [];
  private readonly byBaton = new Map<string, Stream>();
  private readonly open = new Set<Stream>();

  constructor(
    private readonly file: string,
    private readonly idleTimeoutMs: number,
    private readonly busyWaitMs?: number,
  ) {}

  create(): Stream {
    const stream = new Stream(this.idle.pop() ?? new Connection(this.file, this.busyWaitMs));
    this.open.add(stream);
    return stream;
  }

  /** Takes the stream out of circulation while a request uses it; each baton works once. */
  resume(baton: string): Stream | undefined {
    const stream = this.byBaton.get(baton);
    if (stream === undefined) return undefined;
    this.byBaton.delete(baton);
    clearTimeout(stream.timer);
    return stream;
  }

  /** Parks the stream until the client sends the returned baton, or the idle timeout closes it. */
  suspend(stream: Stream): string {
    const baton = randomBytes(18).toString("base64url");
    this.byBaton.set(baton, stream);
    stream.timer = setTimeout(() => {
      this.byBaton.delete(baton);
      this.close(stream);
    }, this.idleTimeoutMs);
    stream.timer.unref();
    return baton;
  }

  /**
   * Closes the stream; an open transaction is rolled back, whether or not the connection is pooled: a
   * connection closed inside a transaction would keep its write lock (libsql never finalizes a statement,
   * so SQLite keeps the closed connection alive until it does).
   */
  close(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    clearTimeout(stream.timer);
    this.open.delete(stream);
    const reusable = stream.conn.reset();
    if (reusable && this.idle.length < MAX_IDLE_CONNECTIONS) this.idle.push(stream.conn);
    else stream.conn.close();
  }

  closeAll(): void {
    for (const stream of this.open) {
      stream.closed = true;
      clearTimeout(stream.timer);
      stream.conn.reset();
      stream.conn.close();
    }
    for (const conn of this.idle) conn.close();
    this.open.clear();
    this.byBaton.clear();
    this.idle.length = 0;
  }
}
