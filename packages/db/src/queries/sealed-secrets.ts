import type { Db } from "../database";
import { SEALED_PREFIX } from "../secrets";

/** The columns that hold secrets at rest (secrets.ts), by table and key column. */
export const SECRET_COLUMNS = {
  integration: { key: "id", columns: ["api_key", "credentials", "webhook_secret", "previous_webhook_secret"] },
  cctv_source: { key: "facility_id", columns: ["api_key", "webhook_secret", "previous_webhook_secret"] },
} as const;

export type SecretTable = keyof typeof SECRET_COLUMNS;
export type StoredSecret = { table: SecretTable; rowKey: string; column: string; stored: string };

/**
 * Secrets not sealed with the current key: written before encryption (plain) or sealed with a key
 * being retired. At most `limit`, so the cron's share of the work is bounded. The empty API key of a
 * disconnected integration is a marker, not a secret.
 */
export async function listSecretsToReseal(db: Db, currentKeyId: string, limit: number): Promise<StoredSecret[]> {
  const current = `${SEALED_PREFIX}${currentKeyId}:%`;
  const selects = Object.entries(SECRET_COLUMNS).flatMap(([table, { key, columns }]) =>
    columns.map(
      (column) =>
        `SELECT '${table}' AS tbl, ${key} AS row_key, '${column}' AS col, ${column} AS stored FROM ${table}
          WHERE ${column} IS NOT NULL AND ${column} <> '' AND ${column} NOT LIKE ?`,
    ),
  );
  const { rows } = await db.$client.execute({
    sql: `${selects.join(" UNION ALL ")} LIMIT ?`,
    args: [...selects.map(() => current), limit],
  });
  return rows.map((row) => ({
    table: row.tbl as SecretTable,
    rowKey: String(row.row_key),
    column: String(row.col),
    stored: String(row.stored),
  }));
}

/**
 * Writes re-sealed values, one statement per column whatever the row count, each only where the stored
 * value is still the one that was read: a rotation or an edit in between wins over the re-seal.
 */
export async function replaceSealedSecrets(db: Db, changes: Array<StoredSecret & { sealed: string }>): Promise<number> {
  const groups = new Map<string, Array<StoredSecret & { sealed: string }>>();
  for (const change of changes) {
    const allowed: readonly string[] = SECRET_COLUMNS[change.table].columns;
    if (!allowed.includes(change.column)) throw new Error(`not a secret column: ${change.table}.${change.column}`);
    const group = `${change.table}.${change.column}`;
    groups.set(group, [...(groups.get(group) ?? []), change]);
  }
  const statements = [...groups.values()].map((group) => {
    const { table, column } = group[0]!;
    const key = SECRET_COLUMNS[table].key;
    return {
      sql: `UPDATE ${table} SET ${column} = m.sealed
        FROM (SELECT value->>0 AS row_key, value->>1 AS stored, value->>2 AS sealed FROM json_each(?)) AS m
        WHERE ${table}.${key} = m.row_key AND ${table}.${column} = m.stored`,
      args: [JSON.stringify(group.map((change) => [change.rowKey, change.stored, change.sealed]))],
    };
  });
  if (statements.length === 0) return 0;
  const results = await db.$client.batch(statements, "write");
  return results.reduce((total, result) => total + result.rowsAffected, 0);
}
