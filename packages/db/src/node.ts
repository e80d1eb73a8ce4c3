import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import * as schema from "./schema";
import { isNotNull } from "drizzle-orm";
import type { Db, DbConfig } from "./database";
import { organisationDatabaseUrl, type DatabaseLayout } from "./databases";
import { organisation } from "./schema";

export const migrationsFolder = fileURLToPath(new URL("../migrations", import.meta.url));

/** A database in Node: `file:` and `:memory:` (embedded), or a remote URL. */
export function createNodeDb({ url, authToken }: DbConfig): Db {
  const client = createClient({ url, authToken });
  return drizzle({ client, schema }) as Db;
}

export async function migrateDb(db: Db): Promise<void> {
  await migrate(db, { migrationsFolder });
}

/**
 * Migrations fanned out (ADR 0021): the catalog first, then every organisation database its directory
 * names, each with the same migrations (one schema; a database only fills the tables of its role). Safe
 * to run again: each database records what it has applied.
 */
export async function migrateAll(layout: DatabaseLayout): Promise<{ migrated: string[] }> {
  const catalog = createNodeDb(layout.catalog);
  try {
    await migrateDb(catalog);
    const rows = await catalog
      .select({ databaseName: organisation.databaseName })
      .from(organisation)
      .where(isNotNull(organisation.databaseName));
    const migrated: string[] = [];
    for (const { databaseName } of rows) {
      const db = createNodeDb({
        url: organisationDatabaseUrl(layout, databaseName!),
        authToken: layout.organisationAuthToken ?? layout.catalog.authToken,
      });
      try {
        await migrateDb(db);
        migrated.push(databaseName!);
      } finally {
        db.$client.close();
      }
    }
    return { migrated };
  } finally {
    catalog.$client.close();
  }
}
