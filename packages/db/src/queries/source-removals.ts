import { sql } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { ACTIVITY_RETENTION_DAYS } from "./activity";

/**
 * Forgets removals remembered for people who never got a row, after the activity log's retention: an
 * upsert delayed that long is not a delivery out of order but a new record. Bounded per call (the cron).
 */
export async function pruneRememberedRemovals(input: {
  db: DbOrTx;
  now: number;
  limit?: number;
}): Promise<{ deleted: number }> {
  const cutoff = input.now - ACTIVITY_RETENTION_DAYS * 86_400_000;
  const result = await input.db.run(sql`DELETE FROM source_removal WHERE rowid IN
    (SELECT rowid FROM source_removal WHERE recorded_at < ${cutoff} ORDER BY recorded_at LIMIT ${input.limit ?? 5000})`);
  return { deleted: result.rowsAffected };
}
