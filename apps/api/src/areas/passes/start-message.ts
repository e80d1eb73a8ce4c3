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
