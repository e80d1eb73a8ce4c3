import { z } from "zod";
import { id } from "../../inputs";
import { REQUIRE_IDENTIFIER_OPTIONS, SYNC_SOURCES } from "@uas/domain";
import { facilityProcedure, router } from "../../trpc/init";
import { getPassStatus, previewPass, resolveHeld, syncNow } from "./service";
import { syncPersonNow } from "./sync-person";

const passId = id();

export const passesRouter = router({
  /** "Sync now": Running… then Sync complete / Sync failed / Held for review. */
  syncNow: facilityProcedure
    .input(z.object({ source: z.enum(SYNC_SOURCES) }))
    .mutation(({ ctx, input }) => syncNow({ ctx, input: { facility: ctx.facility, source: input.source } })),

  get: facilityProcedure
    .input(z.object({ passId }))
    .query(({ ctx, input }) => getPassStatus({ ctx, input: { facility: ctx.facility, passId: input.passId } })),

  resolveHeld: facilityProcedure
    .input(z.object({ passId, decision: z.enum(["allow", "reject"]) }))
    .mutation(({ ctx, input }) => resolveHeld({ ctx, input: { facility: ctx.facility, ...input } })),

  /** Dry run: what a pass would do now, or with another Require identifier, without writing anything. */
  preview: facilityProcedure
    .input(
      z.object({
        source: z.enum(SYNC_SOURCES),
        requireIdentifier: z.enum(REQUIRE_IDENTIFIER_OPTIONS).optional(),
        enableSource: z.boolean().optional(),
      }),
    )
    .query(({ ctx, input }) => previewPass({ ctx, input: { facility: ctx.facility, ...input } })),

  /** "Sync this person now": fetch one person from the source, apply them, and explain each step. */
  syncPerson: facilityProcedure
    .input(
      z.object({
        source: z.enum(SYNC_SOURCES),
        integrationId: id().nullable(),
        externalId: id(128),
      }),
    )
    .mutation(({ ctx, input }) => syncPersonNow({ ctx, input: { facility: ctx.facility, ...input } })),
});
