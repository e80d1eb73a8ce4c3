import { pageKeys, parseListingRecord, planPage, type OutcomeCounts } from "@uas/domain";
import type { Db } from "../database";
import type { ListingFactory, ListingPage, ListingPort } from "./ports";
import { failPass, getPass, progressOf, type PassProgress, type PassTarget, type SyncPassRow } from "./passes";
import { loadFacilityContext, loadLocationMap, planSettingsFor, type FacilitySyncContext } from "./source-context";
import { loadRows } from "./row-store";
import { pagePlanStatements } from "./page-writer";
import { int, json, text, withWriteTransaction } from "./store-handle";
import { finishPass } from "./finish-pass";

export type Clock = number | (() => number);
export const readClock = (clock: Clock): number => (typeof clock === "function" ? clock() : clock);

export class PassNotFoundError extends Error {
  constructor(passId: string) {
    super(`Sync pass ${passId} not found`);
    this.name = "PassNotFoundError";
  }
}

class ListingReadError extends Error {
  constructor(cause: unknown) {
    super(`Could not read the listing: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    // Deliberately the port's own message: adapters word it for admins (status, not secrets).
    this.name = "ListingReadError";
  }
}

/** The innermost message: drizzle's wrapper repeats the statement and its parameters (people's details). */
function rootMessage(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}

function failureReason(error: unknown): string {
  if (error instanceof ListingReadError) return error.message;
  return `Could not apply the listing: ${rootMessage(error)}`;
}

export type AdvancePassInput = {
  db: Db;
  passId: string;
  listingFor: ListingFactory;
  /** Pages read in this step; the Worker runs one step per queue message. */
  maxPages: number;
  now: Clock;
  /** "fail" (default) ends the pass as failed on any error; "throw" leaves it running for the caller to retry the step. */
  onError?: "fail" | "throw";
};

export type AdvancePassResult = { status: "continue" | "done"; pass: SyncPassRow };

/**
 * Reads up to `maxPages` pages of the pass's listings, each applied in its own write transaction
 * together with the saved cursor, so a step can stop or crash anywhere and the next step resumes.
 * After the last page of every listing, infers removals (finishPass).
 */
export async function advancePass(input: AdvancePassInput): Promise<AdvancePassResult> {
  const { db, passId } = input;
  let pass = await getPass(db, passId);
  if (!pass) throw new PassNotFoundError(passId);
  if (pass.state !== "running") return { status: "done", pass };
  const locationMaps = new Map<string, Map<string, string>>();
  const listings = new Map<string, ListingPort>();
  try {
    const context = await loadFacilityContext(db, pass.facilityId);
    if (!context) throw new Error("the facility no longer exists");
    for (let pagesRead = 0; ; pagesRead += 1) {
      const progress = progressOf(pass);
      const index = progress.targets.findIndex((target) => !target.done);
      if (index === -1) return { status: "done", pass: await finishPass(db, pass.id, readClock(input.now)) };
      if (pagesRead >= input.maxPages) return { status: "continue", pass };
      const target = progress.targets[index] as PassTarget;
      const listingKey = target.integrationId ?? "";
      const listing = listings.get(listingKey) ?? input.listingFor({ facilityId: pass.facilityId, source: pass.source, integrationId: target.integrationId });
      listings.set(listingKey, listing);
      const page = await listing.fetchPage(target.cursor).catch((error: unknown) => {
        throw new ListingReadError(error);
      });
      if (page.nextCursor !== null && page.nextCursor === target.cursor) {
        throw new ListingReadError(new Error("the listing returned the cursor it was given"));
      }
      let locationMap: Map<string, string> | null = null;
      if (target.integrationId !== null) {
        locationMap = locationMaps.get(target.integrationId) ?? (await loadLocationMap(db, target.integrationId));
        locationMaps.set(target.integrationId, locationMap);
      }
      pass = await applyListingPage(db, { pass, index, target, page, context, locationMap, now: readClock(input.now) });
      if (pass.state !== "running") return { status: "done", pass };
    }
  } catch (error) {
    if (input.onError === "throw") throw error;
    await failPass({ db, passId, reason: failureReason(error), now: readClock(input.now) });
    return { status: "done", pass: (await getPass(db, passId)) as SyncPassRow };
  }
}

/** Loops steps until the pass is done (tests, the bench, and small facilities). */
export async function runFullPass(input: Omit<AdvancePassInput, "maxPages"> & { maxPages?: number }): Promise<SyncPassRow> {
  for (;;) {
    const result = await advancePass({ ...input, maxPages: input.maxPages ?? 50 });
    if (result.status === "done") return result.pass;
  }
}

/** Applies one page; returns the pass as it stands after it (re-read only if another step interfered). */
async function applyListingPage(
  db: Db,
  input: {
    pass: SyncPassRow;
    index: number;
    target: PassTarget;
    page: ListingPage;
    context: FacilitySyncContext;
    locationMap: Map<string, string> | null;
    now: number;
  },
): Promise<SyncPassRow> {
  const { context, target, now, pass } = input;
  // Validation and parsing happen before the write lock is taken.
  const records = input.page.records.map((raw) => parseListingRecord(pass.source, raw));
  const keys = pageKeys(records);
  const applied = await withWriteTransaction(db, async (tx) => {
    // Auto-send is read in the page's transaction: when it is off, the outbox statement could not queue
    // anyone, so it is left out (it costs an indexed lookup per person).
    const [stored] = await tx.all<{ state: string; progress: string | null; autoSend: number | null }>(
      `SELECT state, progress, (SELECT auto_send_invitations FROM sync_settings WHERE facility_id = ${text(pass.facilityId)}) AS autoSend
      FROM sync_pass WHERE id = ${text(pass.id)}`,
    );
    if (!stored) throw new PassNotFoundError(pass.id);
    const progress = progressOf({ progress: stored.progress === null ? null : JSON.parse(stored.progress), startedAt: pass.startedAt });
    const current = progress.targets[input.index];
    // Another step (a duplicate queue message) got here first: leave its work as it is.
    if (stored.state !== "running" || !current || current.done || current.cursor !== target.cursor) return null;

    const scope = { facilityId: pass.facilityId, source: pass.source, integrationId: target.integrationId };
    const rows = await loadRows(tx, scope, keys);
    const plan = planPage({
      source: pass.source,
      facility: context.facility,
      settings: planSettingsFor(context, pass.source, target.integrationId),
      locationMap: input.locationMap,
      records,
      existingRows: rows,
      now,
    });
    const writes = pagePlanStatements({
      scope,
      origin: {
        organisationId: context.facility.organisationId,
        source: pass.source,
        integrationId: target.integrationId,
        passId: pass.id,
        webhookId: null,
        at: now,
      },
      plan,
      rows,
      autoInvitations: stored.autoSend === 1,
    });
    const targets = progress.targets.map((t, i) =>
      i === input.index ? { ...t, cursor: input.page.nextCursor, done: input.page.nextCursor === null } : t,
    );
    const saved: PassProgress = { ...progress, targets, lastStepAt: now };
    await tx.script([...writes, progressStatement(pass.id, plan.counts, input.page.records.length, saved)]);
    return { counts: plan.counts, progress: saved };
  });
  if (!applied) {
    const fresh = await getPass(db, pass.id);
    if (!fresh) throw new PassNotFoundError(pass.id);
    return fresh;
  }
  const { counts, progress } = applied;
  return {
    ...pass,
    added: pass.added + counts.added,
    updated: pass.updated + counts.updated,
    skipped: pass.skipped + counts.skipped,
    disabled: pass.disabled + counts.disabled,
    processed: pass.processed + counts.processed,
    pagesDone: pass.pagesDone + 1,
    recordsDone: pass.recordsDone + input.page.records.length,
    progress,
  };
}

function progressStatement(passId: string, counts: OutcomeCounts, records: number, progress: PassProgress): string {
  return `UPDATE sync_pass SET added = added + ${int(counts.added)}, updated = updated + ${int(counts.updated)},
    skipped = skipped + ${int(counts.skipped)}, disabled = disabled + ${int(counts.disabled)},
    processed = processed + ${int(counts.processed)}, pages_done = pages_done + 1,
    records_done = records_done + ${int(records)}, progress = ${json(progress)}
    WHERE id = ${text(passId)}`;
}
