import { z } from "zod";
import { id } from "../../inputs";
import { REQUIRE_IDENTIFIER_OPTIONS } from "@uas/domain";
import { facilityProcedure, router } from "../../trpc/init";
import { getSyncSettingsView, previewAutoSend, setIntegrationOptIn, updateSyncSettings } from "./service";

const settingsPatch = z
  .object({
    integrationsEnabled: z.boolean(),
    cctvEnabled: z.boolean(),
    requireIdentifier: z.enum(REQUIRE_IDENTIFIER_OPTIONS),
    autoSendInvitations: z.boolean(),
    massDisablePercent: z.number().int().min(1).max(100),
    massDisableMinimum: z.number().int().min(1).max(100_000),
  })
  .partial()
  .strict();

export const syncSettingsRouter = router({
  get: facilityProcedure.query(({ ctx }) => getSyncSettingsView({ ctx, input: { facility: ctx.facility } })),

  update: facilityProcedure
    .input(z.object({ patch: settingsPatch }))
    .mutation(({ ctx, input }) => updateSyncSettings({ ctx, input: { facility: ctx.facility, patch: input.patch } })),

  /** Asked before Auto-send is turned on: the people its next pass would email. */
  autoSendPreview: facilityProcedure
    .output(z.object({ people: z.number().int().min(0) }).strict())
    .query(({ ctx }) => previewAutoSend({ ctx, input: { facility: ctx.facility } })),

  setIntegration: facilityProcedure
    .input(z.object({ integrationId: id(), enabled: z.boolean() }))
    .mutation(({ ctx, input }) =>
      setIntegrationOptIn({
        ctx,
        input: { facility: ctx.facility, integrationId: input.integrationId, enabled: input.enabled },
      }),
    ),
});
