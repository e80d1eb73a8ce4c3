import type { Client } from "@libsql/client";
import type { LibSQLDatabase, LibSQLTransaction } from "drizzle-orm/libsql";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type * as schema from "./schema";

export type Schema = typeof schema;
export type Db = LibSQLDatabase<Schema> & { $client: Client };
export type Tx = LibSQLTransaction<Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or a transaction on it: queries take whichever the caller holds. */
export type DbOrTx = Db | Tx;

export type DbConfig = { url: string; authToken?: string | undefined };
