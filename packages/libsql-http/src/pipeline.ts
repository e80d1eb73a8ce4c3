import { toStmtError, type Params } from "./connection.js";
import {
  decodeValue,
  ProtocolError,
  StmtError,
  type BatchCond,
  type BatchResult,
  type PipelineRequest,
  type PipelineResponse,
  type ProtoStmt,
  type StmtResult,
  type StreamRequest,
  type StreamResponse,
  type StreamResult,
} from "./protocol.js";
import type { Stream, StreamManager } from "./streams.js";

/** Handles one `POST /v2/pipeline` body. Throws ProtocolError for requests that cannot be served. */
export async function runPipeline(streams: StreamManager, body: PipelineRequest): Promise<PipelineResponse> {
  if (body === null || typeof body !== "object" || !Array.isArray(body.requests)) {
    throw new ProtocolError("Expected a JSON object with a `requests` array");
  }
  let stream: Stream | undefined;
  if (body.baton == null) {
    stream = streams.create();
  } else {
    stream = streams.resume(body.baton);
    if (stream === undefined) {
      throw new ProtocolError(
        "The stream has expired due to inactivity or its baton was already used",
        "STREAM_EXPIRED",
      );
    }
  }
  try {
    const results: StreamResult[] = [];
    for (const request of body.requests) {
      if (stream.closed) {
        results.push({ type: "error", error: { message: "The stream is closed", code: "STREAM_CLOSED" } });
        continue;
      }
      try {
        results.push({ type: "ok", response: await handleRequest(streams, stream, request) });
      } catch (error) {
        if (error instanceof ProtocolError) throw error;
        results.push({ type: "error", error: toStmtError(error).toProto() });
      }
    }
    return { baton: stream.closed ? null : streams.suspend(stream), base_url: null, results };
  } catch (error) {
    streams.close(stream);
    throw error;
  }
}

async function handleRequest(streams: StreamManager, stream: Stream, request: StreamRequest): Promise<StreamResponse> {
  switch (request?.type) {
    case "execute":
      return { type: "execute", result: await executeStmt(stream, request.stmt) };
    case "batch":
      return { type: "batch", result: await executeBatch(stream, request.batch?.steps ?? []) };
    case "sequence":
      await stream.conn.sequence(resolveSql(stream, request));
      return { type: "sequence" };
    case "describe":
      return { type: "describe", result: await stream.conn.describe(resolveSql(stream, request)) };
    case "store_sql":
      if (typeof request.sql !== "string") throw new ProtocolError("store_sql needs `sql`");
      stream.sqls.set(request.sql_id, request.sql);
      return { type: "store_sql" };
    case "close_sql":
      stream.sqls.delete(request.sql_id);
      return { type: "close_sql" };
    case "get_autocommit":
      return { type: "get_autocommit", is_autocommit: !stream.conn.inTransaction };
    case "close":
      streams.close(stream);
      return { type: "close" };
    default:
      throw new ProtocolError(`Unknown request type: ${JSON.stringify((request as { type?: unknown })?.type)}`);
  }
}

function resolveSql(stream: Stream, source: { sql?: string | null; sql_id?: number | null }): string {
  if (source.sql != null && source.sql_id != null) throw new ProtocolError("Both `sql` and `sql_id` were given");
  if (source.sql != null) return source.sql;
  if (source.sql_id != null) {
    const sql = stream.sqls.get(source.sql_id);
    if (sql === undefined) throw new ProtocolError(`SQL text ${source.sql_id} was not stored on this stream`);
    return sql;
  }
  throw new ProtocolError("Neither `sql` nor `sql_id` was given");
}

async function executeStmt(stream: Stream, stmt: ProtoStmt): Promise<StmtResult> {
  const sql = resolveSql(stream, stmt ?? {});
  const args = stmt.args ?? [];
  const namedArgs = stmt.named_args ?? [];
  let params: Params;
  if (namedArgs.length === 0) {
    params = args.map(decodeValue);
  } else if (args.length === 0) {
    // libsql looks names up without their prefix; clients may send either `:a` or `a`.
    params = {};
    for (const { name, value } of namedArgs) params[name.replace(/^[:@$]/, "")] = decodeValue(value);
  } else {
    throw new StmtError(
      "Specifying both positional and named arguments is not supported",
      "ARGS_BOTH_POSITIONAL_AND_NAMED",
    );
  }
  return stream.conn.execute(sql, params, stmt.want_rows ?? true);
}

async function executeBatch(
  stream: Stream,
  steps: { stmt: ProtoStmt; condition?: BatchCond | null }[],
): Promise<BatchResult> {
  const result: BatchResult = { step_results: [], step_errors: [] };
  const holds = (cond: BatchCond): boolean => {
    switch (cond.type) {
      case "ok":
        return result.step_results[cond.step] != null;
      case "error":
        return result.step_errors[cond.step] != null;
      case "not":
        return !holds(cond.cond);
      case "and":
        return cond.conds.every(holds);
      case "or":
        return cond.conds.some(holds);
      case "is_autocommit":
        return !stream.conn.inTransaction;
      default:
        throw new ProtocolError(`Unknown batch condition: ${JSON.stringify(cond)}`);
    }
  };
  for (const step of steps) {
    let stepResult: StmtResult | null = null;
    let stepError = null;
    if (step.condition == null || holds(step.condition)) {
      try {
        stepResult = await executeStmt(stream, step.stmt);
      } catch (error) {
        if (error instanceof ProtocolError) throw error;
        stepError = toStmtError(error).toProto();
      }
    }
    result.step_results.push(stepResult);
    result.step_errors.push(stepError);
  }
  return result;
}
