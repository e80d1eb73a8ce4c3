import {
  countBulkInvitations,
  createInvitationBatch,
  invitationBatchProgress,
  listOrganisationIntegrations,
  type InvitationAudience,
} from "@uas/db";
import { isIntegrationScoped } from "@uas/domain";
import type { AdminCtx } from "../../context";
import { badRequest, notFound } from "../../errors";
import { relayInvitationsAfterCommit } from "./service";

type FacilityRef = { id: string; organisationId: string };
type BulkInput = { facility: FacilityRef; audience: InvitationAudience; resend: boolean };

/** An integration of another organisation is as unknown as one that does not exist. */
async function checkAudience(ctx: AdminCtx, input: BulkInput): Promise<void> {
  const { audience } = input;
  if (audience.kind === "users" && audience.userIds.length === 0) throw badRequest("Select at least one user");
  if (audience.kind === "source" && isIntegrationScoped(audience.source) && audience.integrationId) {
    const integrations = await listOrganisationIntegrations(ctx.db, input.facility.organisationId);
    if (!integrations.some((i) => i.id === audience.integrationId)) throw notFound("Integration");
  }
}

/** The dialog's preview: how many get an email, and how many are skipped for each reason. */
export async function previewInvitations({ ctx, input }: { ctx: AdminCtx; input: BulkInput }) {
  await checkAudience(ctx, input);
  return countBulkInvitations(ctx.db, {
    facilityId: input.facility.id,
    audience: input.audience,
    resend: input.resend,
    now: ctx.now(),
  });
}

/** Queues the audience as one batch and hands it to the queue; the dialog then polls `progress`. */
export async function sendInvitations({ ctx, input }: { ctx: AdminCtx; input: BulkInput }) {
  await checkAudience(ctx, input);
  const batch = await createInvitationBatch(ctx.db, {
    facilityId: input.facility.id,
    audience: input.audience,
    resend: input.resend,
    createdBy: ctx.actor.email,
    now: ctx.now(),
  });
  await relayInvitationsAfterCommit(ctx);
  return { batchId: batch.id, queued: batch.queued, skipped: batch.skipped };
}

export async function getInvitationProgress({
  ctx,
  input,
}: {
  ctx: AdminCtx;
  input: { facility: FacilityRef; batchId: string };
}) {
  const progress = await invitationBatchProgress(ctx.db, { facilityId: input.facility.id, batchId: input.batchId });
  if (!progress) throw notFound("Invitation batch");
  return {
    batchId: progress.id,
    createdAt: progress.createdAt,
    resend: progress.resend,
    queued: progress.queued,
    skipped: progress.skipped,
    counts: progress.counts,
    failures: progress.failures,
    done: progress.counts.queued === 0,
  };
}
