import { z } from "zod";
import { MINUTE_CRON, QUARTER_HOUR_CRON } from "./service";

/**
 * One organisation database's share of a cron (ADR 0021), on the `sync` queue: the cron sends one per
 * organisation database instead of doing every database's work in its own invocation, whose subrequests
 * would run out past a few dozen databases. The organisation is the message's envelope; `scheduledTime`
 * is when the cron was due, so a late message judges the night as the cron would have.
 */
export const cronRunMessage = z.object({
  type: z.literal("cron.run"),
  version: z.literal(1),
  cron: z.enum([QUARTER_HOUR_CRON, MINUTE_CRON]),
  scheduledTime: z.number().int().nonnegative(),
});
export type CronRunMessage = z.infer<typeof cronRunMessage>;
