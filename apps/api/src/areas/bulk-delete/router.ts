import { z } from "zod";
import { id } from "../../inputs";
import { facilityProcedure, router } from "../../trpc/init";
import { confirmBulkDelete, previewBulkDelete } from "./service";

const scope = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("all") }).strict(),
  z.object({ kind: z.literal("integration"), integrationId: id() }).strict(),
]);

const preview = z.object({
  count: z.number().int().nonnegative(),
  sample: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      externalId: z.string().nullable(),
      integrationName: z.string().nullable(),
    }),
  ),
  token: z.string(),
});

export const bulkDeleteRouter = router({
  /** Who "Delete N" would remove, and the token that pins exactly that set. */
  preview: facilityProcedure
    .input(z.object({ scope }))
    .output(preview)
    .query(({ ctx, input }) => previewBulkDelete({ ctx, input: { facility: ctx.facility, scope: input.scope } })),

  /** Deletes the previewed set in one transaction; CONFLICT if it changed since the preview. */
  confirm: facilityProcedure
    .input(z.object({ scope, token: id(200), alsoTurnOff: z.boolean() }))
    .output(z.object({ deleted: z.number().int().nonnegative() }))
    .mutation(({ ctx, input }) =>
      confirmBulkDelete({
        ctx,
        input: { facility: ctx.facility, scope: input.scope, token: input.token, alsoTurnOff: input.alsoTurnOff },
      }),
    ),
});
