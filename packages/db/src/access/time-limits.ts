import { sql } from "drizzle-orm";
import type { DbOrTx } from "../database";

/**
 * The cron's share of the access rules: ended grace periods are cleared so the row stops saying
 * "grace". Reads never wait for it (the predicate compares grace_until and paid_until with the clock),
 * so this is bookkeeping, bounded by the graces that ended: the partial index on grace_until hands over
 * exactly those rows, oldest first, `batchSize` at a time. Paid-until dates are the source's facts and
 * are never cleared; they need no work at all when they pass.
 */
export async function endPassedGraces(
  db: DbOrTx,
  input: { now: number; batchSize: number; maxBatches: number },
): Promise<{ ended: number; latenessMs: number[] }> {
  const latenessMs: number[] = [];
  for (let batch = 0; batch < input.maxBatches; batch++) {
    const due = await db.all<{ rid: number; grace_until: number }>(sql`
      SELECT rowid AS rid, grace_until FROM access_user WHERE grace_until IS NOT NULL AND grace_until <= ${input.now}
      ORDER BY grace_until LIMIT ${input.batchSize}`);
    if (due.length === 0) break;
    // A write in between (the rules matched again) may have cleared or moved a grace: only ended ones go.
    await db.run(sql`
      UPDATE access_user SET grace_until = NULL, grace_status = NULL
      WHERE rowid IN (SELECT value FROM json_each(${JSON.stringify(due.map((row) => row.rid))})) AND grace_until <= ${input.now}`);
    for (const row of due) latenessMs.push(input.now - row.grace_until);
    if (due.length < input.batchSize) break;
  }
  return { ended: latenessMs.length, latenessMs };
}
