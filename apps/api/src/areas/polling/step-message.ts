import { z } from "zod";

const instant = z.number().int().nonnegative();

/**
 * Read the next bounded run (at most `POLL_PAGES_PER_STEP` pages) of one club's delta window
 * (docs/adr/0018-abc-ignite-polling.md). The cron sends the first with `cursor: null`; a step that leaves
 * pages sends its own continuation. `window.untilMs` is the poll's identity: a step whose club has been
 * leased for another window since is dropped.
 */
export const pollStepMessage = z.object({
  type: z.literal("poll.step"),
  version: z.literal(1),
  integrationId: z.string().min(1).max(64),
  locationId: z.string().min(1).max(100),
  window: z
    .object({ sinceMs: instant, untilMs: instant })
    .refine((window) => window.sinceMs <= window.untilMs, { message: "sinceMs is after untilMs", path: ["sinceMs"] }),
  cursor: z.string().min(1).max(500).nullable(),
});
export type PollStepMessage = z.infer<typeof pollStepMessage>;
