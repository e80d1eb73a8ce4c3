import { getTableColumns } from "drizzle-orm";
import { ROW_SWITCH_FIELDS, SYNC_OWNED_FIELDS, type ExistingRow } from "@uas/domain";
import { accessUser, ident, sqlJoin, sqlText, type SqlText } from "@uas/db";

/**
 * The one mapping from the domain's field lists to access_user's columns, built once from the schema:
 * the row store's reads and writes and the profile merge's copy are derived from it, so an overwritten
 * field is added to `SYNCED_DETAIL_FIELDS` (domain ownership.ts), the schema and a migration, and the
 * engine follows. A field the schema lacks, or whose column holds another type, does not compile.
 */

const COLUMNS = getTableColumns(accessUser);
type AccessUserRow = typeof accessUser.$inferSelect;

/** How a value travels through the store's JSON: as it is, a 0/1 flag read as a boolean, or JSON text. */
export type Encoding = "plain" | "flag" | "json";

export type RowColumn<F extends string = string> = {
  field: F;
  /** The column as SQL (a checked identifier). */
  name: SqlText;
  encoding: Encoding;
};

/** Fields of an existing row whose domain type the column of the same name holds. */
type StorableField = {
  [F in keyof ExistingRow & keyof AccessUserRow]: ExistingRow[F] extends AccessUserRow[F] ? F : never;
}[keyof ExistingRow & keyof AccessUserRow];

function columnOf<F extends StorableField | "id" | "externalId" | "facilityId">(field: F): RowColumn<F> {
  const column = COLUMNS[field];
  const encoding: Encoding = column.dataType === "boolean" ? "flag" : column.dataType === "json" ? "json" : "plain";
  return { field, name: ident(column.name), encoding };
}

/** Every column sync writes (domain SYNC_OWNED_FIELDS), in the domain's order. */
export const SYNC_COLUMNS = SYNC_OWNED_FIELDS.map(columnOf);

/** Their names, comma-separated (the merge's copy of a row's synced state). */
export const SYNC_COLUMN_LIST: SqlText = sqlJoin(
  SYNC_COLUMNS.map((c) => c.name),
  ", ",
);

/** `rowid` is SQLite's, not the schema's: read as a number. */
const ROWID: RowColumn<"rowid"> = { field: "rowid", name: ident("rowid"), encoding: "plain" };

/** The fingerprint of the record the row last took from a pass (ADR 0019, amendment): read, never planned. */
export const FINGERPRINT: RowColumn<"recordFingerprint"> = {
  field: "recordFingerprint",
  name: ident(COLUMNS.recordFingerprint.name),
  encoding: "plain",
};

/** What the store reads of a row: its keys, the synced state and the admin's switches the plan reads. */
export const READ_COLUMNS = [
  columnOf("id"),
  columnOf("externalId"),
  ...SYNC_COLUMNS,
  ...ROW_SWITCH_FIELDS.map(columnOf),
  ROWID,
  FINGERPRINT,
] as const;
export const FACILITY_COLUMN = columnOf("facilityId");

/** A column as the store's SELECT reads it into JSON (JSON text embedded as JSON, not as a string). */
export function readExpression(column: RowColumn): SqlText {
  return column.encoding === "json" ? sqlText`json(${column.name})` : column.name;
}

type ReadField = (typeof READ_COLUMNS)[number]["field"] | (typeof FACILITY_COLUMN)["field"];
/** Compile-time: a row field the store does not read (say, one added to ExistingRow) fails here. */
export type EveryFieldRead<Row> = Exclude<keyof Row, ReadField> extends never ? Row : never;
