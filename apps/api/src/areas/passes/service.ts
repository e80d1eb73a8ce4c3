import {
  listStalledPasses,
  startPass,
  startChainPasses,
  advancePass,
  getPass,
  progressOf,
  resolveHeldPass,
  dryRunPass,
  stepOpeningFrom,
  stepOpeningReads,
  PassNotHeldError,
  type SyncPassRow,
} from "@uas/engine";
import { openSourceCredentials, sourceCredentialReadsOfPass } from "@uas/db";
import { sourceSwitchPatch, type RequireIdentifier, type SyncSource } from "@uas/domain";
import type { Ctx } from "../../context";
import { conflict, notFound } from "../../errors";
import type { ChainStartMessage, PassStartMessage } from "./start-message";
import type { PassStepMessage } from "./step-message";
import { listingFactoryOf, loadListingFactory } from "../../sources/listing-factory";
import { relayInvitationsAfterCommit } from "../invitations/service";

type FacilityRef = { id: string; organisationId: string };

async function enqueueStep(ctx: Ctx, passId: string) {
  const body: PassStepMessage = { type: "pass.step", version: 1, passId };
  await ctx.queues.sync.send(body);
}

/** What the admin sees of a pass: state, counts, and progress for the progress bar. */
export function passView(pass: SyncPassRow) {
  const progress = progressOf(pass);
  return {
    passId: pass.id,
    source: pass.source,
    trigger: pass.trigger,
    state: pass.state,
    reason: pass.reason,
    startedAt: pass.startedAt,
    endedAt: pass.endedAt,
    counts: {
      added: pass.added,
      updated: pass.updated,
      skipped: pass.skipped,
      disabled: pass.disabled,
      processed: pass.processed,
    },
    progress: {
      pagesDone: pass.pagesDone,
      recordsDone: pass.recordsDone,
      listingsTotal: progress.targets.length,
      listingsDone: progress.targets.filter((target) => target.done).length,
    },
    held:
      pass.state === "held"
        ? { count: pass.heldCount ?? 0, sample: (pass.heldSample ?? []) as Array<{ externalId: string; name: string }> }
        : null,
  };
}
export type PassView = ReturnType<typeof passView>;

/** The queue's `pass.start`: the cron's nightly fan-out (or any trigger) begins a pass once. */
export async function startPassFromMessage({ ctx, input }: { ctx: Ctx; input: PassStartMessage }): Promise<void> {
  const { pass, started } = await startPass({
    db: ctx.db,
    facilityId: input.facilityId,
    source: input.source,
    trigger: input.trigger,
    nightlyDate: input.nightlyDate,
    now: ctx.now(),
  });
  if (started) await enqueueStep(ctx, pass.id);
}

/**
 * The queue's `passes.start`: a chain's facilities due at the same cron start together; each listing
 * they share gets one step message (its reader's), which applies every page to all of them (ADR 0020).
 */
export async function startChainFromMessage({ ctx, input }: { ctx: Ctx; input: ChainStartMessage }): Promise<void> {
  const { steps } = await startChainPasses({
    db: ctx.db,
    source: input.source,
    trigger: input.trigger,
    members: input.facilities,
    now: ctx.now(),
  });
  if (steps.length > 0) {
    await ctx.queues.sync.sendBatch(
      steps.map((passId): { body: PassStepMessage } => ({ body: { type: "pass.step", version: 1, passId } })),
    );
  }
}

/**
 * The queue's `pass.step`: reads a bounded number of listing pages, then enqueues its continuation,
 * so no invocation does unbounded work. A redelivered step is harmless: each page is applied once,
 * guarded by the cursor saved with it.
 */
export async function stepPass({ ctx, input }: { ctx: Ctx; input: PassStepMessage }): Promise<void> {
  // The step's opening reads and its sources' credentials in one request, keyed by the pass id alone.
  const [passes, contexts, locations, integrations, cctv] = await ctx.db.batch([
    ...stepOpeningReads(ctx.db, input.passId),
    ...sourceCredentialReadsOfPass(ctx.db, input.passId),
  ]);
  const opening = stepOpeningFrom([passes, contexts, locations]);
  if (opening?.pass.state !== "running" || !opening.context) return;
  const { pass } = opening;
  const tuning = ctx.tuning;
  const sources = await openSourceCredentials([integrations, cctv], ctx.secrets);
  const listingFor = listingFactoryOf(sources, { ...tuning.listing, policy: ctx.partnerUrls });
  const result = await advancePass({
    db: ctx.db,
    passId: pass.id,
    opening,
    listingFor,
    maxPages: tuning.pagesPerStep,
    now: ctx.now,
    // A chain's other passes end in steps of their own (ADR 0020): this step's subrequests stay bounded.
    members: "return",
  });
  // Only a step that could have queued invitations relays them (one subrequest less on every other step).
  if (result.invitations) await relayInvitationsAfterCommit(ctx);
  const next = [...(result.status === "continue" ? [pass.id] : []), ...result.membersDue];
  if (next.length > 0) {
    await ctx.queues.sync.sendBatch(
      next.map((passId): { body: PassStepMessage } => ({ body: { type: "pass.step", version: 1, passId } })),
    );
  }
}

const RESUME_LIMIT = 100;

/** Run from the cron: passes whose step message went missing continue instead of waiting to go stale. */
export async function resumeStalledPasses({ ctx }: { ctx: Ctx }): Promise<{ resumed: number }> {
  const stalled = await listStalledPasses(ctx.db, {
    now: ctx.now(),
    limit: RESUME_LIMIT,
  });
  if (stalled.length > 0) {
    await ctx.queues.sync.sendBatch(
      stalled.map((passId): { body: PassStepMessage } => ({ body: { type: "pass.step", version: 1, passId } })),
    );
  }
  return { resumed: stalled.length };
}

/** "Sync now": a full pass of one source for this facility, or the one already running. */
export async function syncNow({ ctx, input }: { ctx: Ctx; input: { facility: FacilityRef; source: SyncSource } }) {
  const { pass, started } = await startPass({
    db: ctx.db,
    facilityId: input.facility.id,
    source: input.source,
    trigger: "manual",
    now: ctx.now(),
  });
  if (started) await enqueueStep(ctx, pass.id);
  return { started, pass: passView(pass) };
}

export async function getPassStatus({ ctx, input }: { ctx: Ctx; input: { facility: FacilityRef; passId: string } }) {
  const pass = await getPass(ctx.db, input.passId);
  if (!pass || pass.facilityId !== input.facility.id) throw notFound("Sync pass");
  return passView(pass);
}

/** Held for review: an admin allows the held removals or rejects them. */
export async function resolveHeld({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; passId: string; decision: "allow" | "reject" };
}) {
  const pass = await getPass(ctx.db, input.passId);
  if (!pass || pass.facilityId !== input.facility.id) throw notFound("Sync pass");
  try {
    const resolved = await resolveHeldPass({ db: ctx.db, passId: pass.id, decision: input.decision, now: ctx.now() });
    await relayInvitationsAfterCommit(ctx);
    return passView(resolved);
  } catch (error) {
    if (error instanceof PassNotHeldError) throw conflict("This pass is no longer held for review");
    throw error;
  }
}

/**
 * Dry run: the pass computed without writing, to preview "Sync now" or a Require identifier change.
 * It reads the whole listing in this request, so it is meant for previews, not for reconciliation.
 */
export async function previewPass({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; source: SyncSource; requireIdentifier?: RequireIdentifier; enableSource?: boolean };
}) {
  const tuning = ctx.tuning;
  const listingFor = await loadListingFactory(
    ctx.db,
    input.facility,
    { ...tuning.listing, policy: ctx.partnerUrls },
    ctx.secrets,
  );
  const override = {
    ...(input.requireIdentifier ? { requireIdentifier: input.requireIdentifier } : {}),
    ...(input.enableSource ? sourceSwitchPatch(input.source, true) : {}),
  };
  return dryRunPass({
    db: ctx.db,
    facilityId: input.facility.id,
    source: input.source,
    listingFor,
    now: ctx.now(),
    settingsOverride: override,
  });
}
