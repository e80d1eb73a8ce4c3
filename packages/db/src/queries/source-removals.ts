import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { ACTIVITY_RETENTION_DAYS, PRUNE_BATCH_MAX } from "./activity";

/** Whether a remembered removal is past its retention (the cron sends the prune only then). */
export function rememberedRemovalsPruneDue(now: number): SQL {
  return sql`EXISTS (SELECT 1 FROM source_removal WHERE recorded_at < ${removalsCutoff(now)})`;
}

const removalsCutoff = (now: number) => now - ACTIVITY_RETENTION_DAYS * 86_400_000;

/**
 * Forgets removals remembered for people who never got a row, after the activity log's retention: an
 * upsert delayed that long is not a delivery out of order but a new record. One bounded statement over the
 * recorded_at index, oldest first; `more` says a further step may find more.
 */
export async function pruneRememberedRemovals(input: {
  db: DbOrTx;
  now: number;
  limit?: number;
}): Promise<{ deleted: number; more: boolean }> {
  const cutoff = removalsCutoff(input.now);
  const limit = Math.min(input.limit ?? PRUNE_BATCH_MAX, PRUNE_BATCH_MAX);
  const result = await input.db.run(sql`DELETE FROM source_removal WHERE rowid IN
    (SELECT rowid FROM source_removal WHERE recorded_at < ${cutoff} ORDER BY recorded_at LIMIT ${limit})`);
  return { deleted: result.rowsAffected, more: result.rowsAffected === limit };
}
