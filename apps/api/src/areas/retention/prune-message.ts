import { z } from "zod";

/** What a retention message prunes: activity entries, applied inbox rows, remembered removals. */
export const PRUNE_TARGETS = ["activity", "inbox", "removals"] as const;

/**
 * One bounded step of a retention rule (on the `sync` queue): deletes at most a batch of rows older than
 * the rule's retention at `now`, then sends its continuation while there is more. `now` is the cron's
 * time, fixed for the whole chain; `after` is the activity walk's last id.
 */
export const retentionPruneMessage = z.object({
  type: z.literal("retention.prune"),
  version: z.literal(1),
  target: z.enum(PRUNE_TARGETS),
  now: z.number().int().nonnegative(),
  after: z.number().int().optional(),
});
export type RetentionPruneMessage = z.infer<typeof retentionPruneMessage>;
