import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { id } from "../inputs";
import { findGrantedFacility, findOrganisationRole } from "@uas/db";
import { AppError, internalError } from "../errors";
import type { TrpcContext } from "./context";
import type { AdminCtx } from "../context";

const t = initTRPC.context<TrpcContext>().create({
  errorFormatter({ shape, error, path }) {
    if (error.code === "INTERNAL_SERVER_ERROR") {
      const { errorId, message } = internalError(error.cause ?? error, `trpc ${path ?? "(unknown procedure)"}`);
      return { ...shape, message, data: { ...shape.data, stack: undefined, issues: undefined, errorId } };
    }
    // Validation errors name the field: issues carry each failing path. A zod 4 error is not an
    // `Error`, so tRPC hands it over as a copy (UnknownCauseError) and `instanceof z.ZodError` fails.
    const cause = error.cause as { issues?: unknown } | undefined;
    const issues =
      error.code === "BAD_REQUEST" && Array.isArray(cause?.issues)
        ? (cause.issues as z.core.$ZodIssue[]).flatMap((issue) =>
            // A strict object names the unknown fields themselves, not the object that holds them (an empty
            // key is named `""`, so the path never reads as the whole input).
            issue.code === "unrecognized_keys"
              ? issue.keys.map((key) => ({
                  path: [...issue.path, key === "" ? '""' : key].join("."),
                  message: `Unknown field "${key}"`,
                }))
              : [{ path: issue.path.join("."), message: issue.message }],
          )
        : undefined;
    return { ...shape, data: { ...shape.data, stack: undefined, issues, errorId: undefined } };
  },
});

const CODES = {
  not_found: "NOT_FOUND",
  conflict: "CONFLICT",
  bad_request: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
} as const;

/** The one place where use-case errors become tRPC codes. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: CODES[cause.kind], message: cause.message, cause });
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapErrors);

export const adminProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.actor.type !== "admin") throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue" });
  return next({ ctx: ctx as TrpcContext & AdminCtx });
});

/**
 * Every facility-scoped procedure goes through here: the caller must hold a grant for the facility (read
 * in the catalog), and what follows works on the facility's organisation's database (ADR 0021).
 * Another facility's id answers NOT_FOUND, so ids of other tenants cannot be probed.
 */
export const facilityProcedure = adminProcedure
  .input(z.object({ facilityId: id() }))
  .use(async ({ ctx, input, next }) => {
    const facility = await findGrantedFacility(ctx.catalog, ctx.actor.userId, input.facilityId);
    if (!facility) throw new TRPCError({ code: "NOT_FOUND", message: "Facility not found" });
    const { db, organisationId, queues } = await ctx.forOrganisation(facility.organisationId);
    return next({ ctx: { ...ctx, db, organisationId, queues, facility } });
  });

/** Organisation-level procedures (integrations): the caller must be an owner of the organisation. */
export const organisationProcedure = adminProcedure
  .input(z.object({ organisationId: id() }))
  .use(async ({ ctx, input, next }) => {
    const role = await findOrganisationRole(ctx.catalog, ctx.actor.userId, input.organisationId);
    if (role !== "owner") throw new TRPCError({ code: "NOT_FOUND", message: "Organisation not found" });
    const { db, queues } = await ctx.forOrganisation(input.organisationId);
    return next({ ctx: { ...ctx, db, queues, organisationId: input.organisationId } });
  });

/**
 * A validation failure that needs the facility (a phone number is read in the facility's country):
 * reported exactly like a schema failure, with the issue naming the field.
 */
export function inputIssue(path: Array<string | number>, message: string): TRPCError {
  const issues: z.core.$ZodIssue[] = [{ code: "custom", path, message, input: undefined }];
  return new TRPCError({ code: "BAD_REQUEST", message, cause: Object.assign(new Error(message), { issues }) });
}
