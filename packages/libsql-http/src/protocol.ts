// Hrana 2 over HTTP, JSON encoding: the subset of the wire format that @libsql/client/web sends
// (see @libsql/hrana-client lib-esm/http/json_encode.js and shared/json_encode.js).

export type ProtoValue =
  | { type: "null" }
  | { type: "integer"; value: string }
  | { type: "float"; value: number }
  | { type: "text"; value: string }
  | { type: "blob"; base64: string };

export interface ProtoStmt {
  sql?: string | null;
  sql_id?: number | null;
  args?: ProtoValue[];
  named_args?: { name: string; value: ProtoValue }[];
  want_rows?: boolean;
}

export type BatchCond =
  | { type: "ok" | "error"; step: number }
  | { type: "not"; cond: BatchCond }
  | { type: "and" | "or"; conds: BatchCond[] }
  | { type: "is_autocommit" };

export type StreamRequest =
  | { type: "close" }
  | { type: "execute"; stmt: ProtoStmt }
  | { type: "batch"; batch: { steps: { stmt: ProtoStmt; condition?: BatchCond | null }[] } }
  | { type: "sequence" | "describe"; sql?: string | null; sql_id?: number | null }
  | { type: "store_sql"; sql_id: number; sql: string }
  | { type: "close_sql"; sql_id: number }
  | { type: "get_autocommit" };

export interface PipelineRequest {
  baton?: string | null;
  requests: StreamRequest[];
}

export interface ProtoError {
  message: string;
  code: string;
}

export interface StmtResult {
  cols: { name: string | null; decltype: string | null }[];
  rows: ProtoValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
}

export interface BatchResult {
  step_results: (StmtResult | null)[];
  step_errors: (ProtoError | null)[];
}

export interface DescribeResult {
  params: { name: string | null }[];
  cols: { name: string; decltype: string | null }[];
  is_explain: boolean;
  is_readonly: boolean;
}

export type StreamResponse =
  | { type: "close" | "sequence" | "store_sql" | "close_sql" }
  | { type: "execute"; result: StmtResult }
  | { type: "batch"; result: BatchResult }
  | { type: "describe"; result: DescribeResult }
  | { type: "get_autocommit"; is_autocommit: boolean };

export type StreamResult = { type: "ok"; response: StreamResponse } | { type: "error"; error: ProtoError };

export interface PipelineResponse {
  baton: string | null;
  base_url: string | null;
  results: StreamResult[];
}

/** An error of one statement: reported inside the pipeline result, the stream stays usable. */
export class StmtError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
  toProto(): ProtoError {
    return { message: this.message, code: this.code };
  }
}

/** A malformed request: answered with HTTP 400, which makes the client close the stream. */
export class ProtocolError extends Error {
  constructor(
    message: string,
    readonly code = "PROTOCOL_ERROR",
    readonly status = 400,
  ) {
    super(message);
  }
}

export type SqlValue = null | bigint | number | string | Uint8Array;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

export function decodeValue(value: ProtoValue): SqlValue {
  switch (value?.type) {
    case "null":
      return null;
    case "integer": {
      let n: bigint;
      try {
        n = BigInt(value.value);
      } catch {
        throw new ProtocolError(`Invalid integer value: ${JSON.stringify(value.value)}`);
      }
      if (n < I64_MIN || n > I64_MAX) throw new ProtocolError(`Integer out of 64-bit range: ${n}`);
      return n;
    }
    case "float":
      return Number(value.value);
    case "text":
      return String(value.value);
    case "blob":
      return Buffer.from(value.base64 ?? "", "base64");
    default:
      throw new ProtocolError(`Unknown value type: ${JSON.stringify(value)}`);
  }
}

export function encodeValue(value: unknown): ProtoValue {
  if (value === null || value === undefined) return { type: "null" };
  if (typeof value === "bigint") return { type: "integer", value: value.toString() };
  if (typeof value === "number") return { type: "float", value };
  if (typeof value === "string") return { type: "text", value };
  if (value instanceof Uint8Array) {
    return { type: "blob", base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64") };
  }
  throw new Error(`Unexpected value from SQLite: ${typeof value}`);
}
