import { z } from "zod";

/** Read the next bounded run of a pass's listing pages; a step enqueues its own continuation. */
export const passStepMessage = z.object({
  type: z.literal("pass.step"),
  version: z.literal(1),
  passId: z.string().min(1),
});
export type PassStepMessage = z.infer<typeof passStepMessage>;
