import { z } from "zod";
import { facilityProcedure } from "../../trpc/init";
import { id as ids, multiLine, oneLine } from "../../inputs";
import { applyUserImportFile, previewUserImport } from "./import";

const id = ids();
/** About 40,000 lines of the template: the file is read in the Worker's memory. */
const MAX_CSV_CHARACTERS = 4_000_000;
const csv = z
  .string()
  .min(1, "Choose a CSV file")
  .max(MAX_CSV_CHARACTERS, "The file is larger than 4 MB: split it")
  .check(multiLine);

/**
 * "Import (CSV)": a preview that writes nothing, then the confirm of exactly that preview. Procedures, not
 * a router: the users area has one router (router.ts), which mounts them as `users.import`.
 */
export const userImportProcedures = {
  // A mutation although it writes nothing: the file travels in a POST body, not in a query's URL.
  preview: facilityProcedure
    .input(z.object({ facilityId: id, csv }).strict())
    .output(
      z.object({
        fingerprint: z.string(),
        counts: z.object({
          add: z.number().int(),
          update: z.number().int(),
          unchanged: z.number().int(),
          keptSynced: z.number().int(),
          rejected: z.number().int(),
        }),
        toAdd: z.array(
          z.object({
            line: z.number().int(),
            name: z.string(),
            email: z.string().nullable(),
            mobilePhone: z.string().nullable(),
          }),
        ),
        toUpdate: z.array(z.object({ line: z.number().int(), name: z.string(), fields: z.array(z.string()) })),
        keptSynced: z.array(z.object({ line: z.number().int(), name: z.string(), sourceLabel: z.string() })),
        rejected: z.array(z.object({ line: z.number().int(), reason: z.string() })),
      }),
    )
    .mutation(({ ctx, input }) => previewUserImport({ ctx, input: { facility: ctx.facility, csv: input.csv } })),

  confirm: facilityProcedure
    .input(z.object({ facilityId: id, csv, fingerprint: z.string().min(1).max(64).check(oneLine) }).strict())
    .output(z.object({ added: z.number().int(), updated: z.number().int() }))
    .mutation(({ ctx, input }) =>
      applyUserImportFile({ ctx, input: { facility: ctx.facility, csv: input.csv, fingerprint: input.fingerprint } }),
    ),
};
