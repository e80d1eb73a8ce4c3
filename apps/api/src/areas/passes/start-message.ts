import { z } from "zod";
import { SYNC_SOURCES, PASS_TRIGGERS } from "@uas/domain";

/** Start (or join) a full pass of one source for one facility. */
export const passStartMessage = z.object({
  type: z.literal("pass.start"),
  version: z.literal(1),
  facilityId: z.string().min(1),
  source: z.enum(SYNC_SOURCES),
  trigger: z.enum(PASS_TRIGGERS),
  /** Nightly passes carry the facility-local day they reconcile, so a day is never run twice. */
  nightlyDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable(),
});
export type PassStartMessage = z.infer<typeof passStartMessage>;

/** The most facilities one `passes.start` starts together (each start is a few database round trips). */
export const CHAIN_START_MAX = 10;

/**
 * Start the nightly passes of an organisation's facilities due at the same cron together, so each
 * listing they share is read once and applied to all of them (ADR 0020). Each facility still gets its
 * own pass; one that is running or done tonight is left as it is.
 */
export const chainStartMessage = z.object({
  type: z.literal("passes.start"),
  version: z.literal(1),
  source: z.enum(SYNC_SOURCES),
  trigger: z.enum(PASS_TRIGGERS),
  facilities: z
    .array(
      z.object({
        facilityId: z.string().min(1),
        nightlyDate: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .nullable(),
      }),
    )
    .min(1)
    .max(CHAIN_START_MAX),
});
export type ChainStartMessage = z.infer<typeof chainStartMessage>;
