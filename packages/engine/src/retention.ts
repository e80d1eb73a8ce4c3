import { sql } from "drizzle-orm";
import { activityPruneDue, rememberedRemovalsPruneDue, type DbOrTx } from "@uas/db";
import { appliedInboxPruneDue } from "./inbox";

export type PruneDue = { activity: boolean; inbox: boolean; removals: boolean };

/**
 * Which retention rules have rows past their retention now, in one read: the cron starts a rule's
 * prune chain only when it has something to delete, instead of three messages every quarter hour.
 */
export async function retentionDue(db: DbOrTx, input: { now: number; batchSize: number }): Promise<PruneDue> {
  const [row] = await db.all<{ activity: number; inbox: number; removals: number }>(sql`
    SELECT ${activityPruneDue(input.now, input.batchSize)} AS activity, ${appliedInboxPruneDue(input.now)} AS inbox,
      ${rememberedRemovalsPruneDue(input.now)} AS removals`);
  return { activity: !!row?.activity, inbox: !!row?.inbox, removals: !!row?.removals };
}
