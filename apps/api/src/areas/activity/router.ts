import { z } from "zod";
import { id, search } from "../../inputs";
import { OUTCOMES } from "@uas/domain";
import { facilityProcedure, router } from "../../trpc/init";
import { getActivityDetail, listFacilityActivity, listPersonActivity } from "./service";

export const activityRouter = router({
  /** Sync activity & troubleshooting: newest first, searchable by name, ID or reason, paged. */
  list: facilityProcedure
    .input(
      z.object({
        search: search(200).optional(),
        outcome: z.enum(OUTCOMES).optional(),
        cursor: z.number().int().positive().nullish(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listFacilityActivity({ ctx, input: { facility: ctx.facility, ...input } })),

  /** Sync activity detail: the full record, changed fields and the IDs for support escalation. */
  get: facilityProcedure
    .input(z.object({ entryId: z.number().int().positive() }))
    .query(({ ctx, input }) => getActivityDetail({ ctx, input: { facility: ctx.facility, entryId: input.entryId } })),

  /** One person's sync history, for the user panel. */
  forUser: facilityProcedure
    .input(z.object({ userId: id(), limit: z.number().int().min(1).max(100).default(20) }))
    .query(({ ctx, input }) => listPersonActivity({ ctx, input: { facility: ctx.facility, ...input } })),
});
