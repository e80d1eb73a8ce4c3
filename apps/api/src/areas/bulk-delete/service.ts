import {
  BulkDeleteStaleError,
  deleteBulkScope,
  findBulkDeleteIntegration,
  previewBulkDeleteScope,
  type BulkDeleteScope,
} from "@uas/db";
import type { Ctx } from "../../context";
import { conflict, notFound } from "../../errors";

type FacilityRef = { id: string; organisationId: string };

/** How many names the preview shows; the count is always the whole set. */
export const BULK_DELETE_SAMPLE_SIZE = 20;

/** An integration scope must name one of the facility's organisation's integrations. */
async function checkScope(ctx: Ctx, facility: FacilityRef, scope: BulkDeleteScope) {
  if (scope.kind !== "integration") return;
  const found = await findBulkDeleteIntegration(ctx.db, facility.organisationId, scope.integrationId);
  if (!found) throw notFound("Integration");
}

/** Bulk delete, step 1: count, sample, and the token that pins the exact set. */
export async function previewBulkDelete({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; scope: BulkDeleteScope };
}) {
  await checkScope(ctx, input.facility, input.scope);
  return previewBulkDeleteScope(ctx.db, input.facility.id, input.scope, BULK_DELETE_SAMPLE_SIZE);
}

/** Bulk delete, step 2: deletes exactly the previewed set, or nothing if it changed since. */
export async function confirmBulkDelete({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; scope: BulkDeleteScope; token: string; alsoTurnOff: boolean };
}) {
  await checkScope(ctx, input.facility, input.scope);
  try {
    return await deleteBulkScope(ctx.db, {
      facilityId: input.facility.id,
      organisationId: input.facility.organisationId,
      scope: input.scope,
      token: input.token,
      alsoTurnOff: input.alsoTurnOff,
      actorUserId: ctx.actor.type === "admin" ? ctx.actor.userId : null,
      now: ctx.now(),
    });
  } catch (error) {
    if (error instanceof BulkDeleteStaleError) throw conflict(error.message);
    throw error;
  }
}
