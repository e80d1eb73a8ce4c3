import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import type { Db, DbConfig } from "./database";

/**
 * A database over libSQL's remote protocol: Turso in production, the local libsql-http endpoint in
 * development. Made per invocation, never held at module level.
 */
export function createDb({ url, authToken }: DbConfig): Db {
  const client = createClient({ url, authToken });
  // Without `schema`: drizzle would rebuild its relational metadata for every client (a millisecond of CPU
  // per request), and nothing here uses the relational `db.query` API; better-auth is given its tables.
  return drizzle({ client }) as unknown as Db;
}
