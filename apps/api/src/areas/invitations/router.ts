import { z } from "zod";
import { SOURCES } from "@uas/domain";
import { id as ids } from "../../inputs";
import { facilityProcedure, router } from "../../trpc/init";
import { getInvitationProgress, previewInvitations, sendInvitations } from "./bulk";

const id = ids();

/** Who "Send invitations…" is for: the selected users, or a filter. */
const audience = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("users"),
      userIds: z.array(id).min(1, "Select at least one user").max(1000, "At most 1,000 users at a time"),
    })
    .strict(),
  z.object({ kind: z.literal("not_invited") }).strict(),
  z.object({ kind: z.literal("with_access") }).strict(),
  z
    .object({
      kind: z.literal("source"),
      source: z.enum(SOURCES),
      integrationId: id.nullable().optional(),
    })
    .strict(),
]);

const bulkInput = z.object({ audience, resend: z.boolean().default(false) });

const skipped = z.object({
  noEmail: z.number().int().nonnegative(),
  noAccess: z.number().int().nonnegative(),
  alreadyInvited: z.number().int().nonnegative(),
});

export const invitationsRouter = router({
  /** How many of the chosen people get an email, and how many are skipped and why. */
  preview: facilityProcedure
    .input(bulkInput)
    .output(z.object({ considered: z.number().int().nonnegative(), willSend: z.number().int().nonnegative(), skipped }))
    .query(({ ctx, input }) =>
      previewInvitations({ ctx, input: { facility: ctx.facility, audience: input.audience, resend: input.resend } }),
    ),

  /** Queues them as one batch; sending happens in the background. */
  send: facilityProcedure
    .input(bulkInput)
    .output(z.object({ batchId: z.string(), queued: z.number().int().nonnegative(), skipped }))
    .mutation(({ ctx, input }) =>
      sendInvitations({ ctx, input: { facility: ctx.facility, audience: input.audience, resend: input.resend } }),
    ),

  /** The batch's rows by state, polled by the dialog until none is queued. */
  progress: facilityProcedure
    .input(z.object({ batchId: id }))
    .output(
      z.object({
        batchId: z.string(),
        createdAt: z.number(),
        resend: z.boolean(),
        queued: z.number().int().nonnegative(),
        skipped,
        counts: z.object({ queued: z.number().int(), sent: z.number().int(), failed: z.number().int() }),
        failures: z.array(z.object({ error: z.string(), count: z.number().int() })),
        done: z.boolean(),
      }),
    )
    .query(({ ctx, input }) =>
      getInvitationProgress({ ctx, input: { facility: ctx.facility, batchId: input.batchId } }),
    ),
});
