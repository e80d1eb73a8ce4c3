import { createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import * as schema from "./schema";
import type { Db, DbConfig } from "./database";

/**
 * A database over libSQL's remote protocol: Turso in production, the local libsql-http endpoint in
 * development. Made per invocation, never held at module level.
 */
export function createDb({ url, authToken }: DbConfig): Db {
  const client = createClient({ url, authToken });
  return drizzle({ client, schema }) as unknown as Db;
}
