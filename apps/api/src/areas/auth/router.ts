import { z } from "zod";
import { listGrantedFacilities } from "@uas/db";
import { adminProcedure, router } from "../../trpc/init";

export const meRouter = router({
  get: adminProcedure
    .output(
      z.object({
        userId: z.string(),
        email: z.string(),
        facilities: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            timeZone: z.string(),
            organisationId: z.string(),
            organisationName: z.string(),
          }),
        ),
      }),
    )
    .query(async ({ ctx }) => {
      const facilities = await listGrantedFacilities(ctx.catalog, ctx.actor.userId);
      return { userId: ctx.actor.userId, email: ctx.actor.email, facilities };
    }),
});
