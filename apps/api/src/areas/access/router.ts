import { z } from "zod";
import { oneLine } from "../../inputs";
import { facilityProcedure, router } from "../../trpc/init";
import { getAccessRulesView, previewAccessRules, rotateDoorApiKey, saveAccessRules } from "./rules";

const value = z.string().trim().min(1, "Choose a value").max(128).check(oneLine);

const accessRule = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("person_type"),
      /** null: "Any type". */
      personType: value.nullable(),
      /** Empty: "Any status". */
      statuses: z.array(value).max(50),
    })
    .strict(),
  z.object({ kind: z.literal("tags"), tags: z.array(value).min(1, "Choose at least one tag").max(50) }).strict(),
]);

const ruleSet = z
  .object({
    rules: z.array(accessRule).max(50, "At most 50 rules"),
    graceDays: z.number().int("Whole days").min(0, "0 days or more").max(365, "At most 365 days"),
  })
  .strict();

const option = z.object({ value: z.string(), label: z.string() });
const view = z.object({
  facilityId: z.string(),
  saved: z.boolean(),
  updatedAt: z.number().nullable(),
  ruleSet,
  personTypes: z.array(option),
  statuses: z.array(option),
  tags: z.array(z.string()),
  preselectedStatuses: z.array(z.string()),
  doorKey: z.object({ prefix: z.string(), createdAt: z.number() }).nullable(),
});

const previewPerson = z.object({
  id: z.string(),
  name: z.string(),
  personType: z.string().nullable(),
  membershipStatus: z.string().nullable(),
});
const preview = z.object({
  total: z.number(),
  lose: z.number(),
  gain: z.number(),
  sample: z.object({ lose: z.array(previewPerson), gain: z.array(previewPerson) }),
});

/** Settings → Access Rules, and the facility's door API key. */
export const accessRulesRouter = router({
  get: facilityProcedure
    .output(view)
    .query(({ ctx }) => getAccessRulesView({ ctx, input: { facility: ctx.facility } })),

  /** What saving would change now: who would lose and who would gain access, with a sample. */
  preview: facilityProcedure
    .input(z.object({ ruleSet }))
    .output(preview)
    .query(({ ctx, input }) => previewAccessRules({ ctx, input: { facility: ctx.facility, ruleSet: input.ruleSet } })),

  save: facilityProcedure
    .input(z.object({ ruleSet }))
    .output(view)
    .mutation(({ ctx, input }) => saveAccessRules({ ctx, input: { facility: ctx.facility, ruleSet: input.ruleSet } })),

  /** A new door API key (the old one stops working at once); the key is in this answer only. */
  rotateDoorKey: facilityProcedure
    .output(z.object({ key: z.string(), prefix: z.string(), createdAt: z.number() }))
    .mutation(({ ctx }) => rotateDoorApiKey({ ctx, input: { facility: ctx.facility } })),
});
