import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import * as schema from "./schema";
import type { Db, DbConfig } from "./database";

export const migrationsFolder = fileURLToPath(new URL("../migrations", import.meta.url));

/** A database in Node: `file:` and `:memory:` (embedded), or a remote URL. */
export function createNodeDb({ url, authToken }: DbConfig): Db {
  const client = createClient({ url, authToken });
  return drizzle({ client, schema }) as Db;
}

export async function migrateDb(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder });
}
