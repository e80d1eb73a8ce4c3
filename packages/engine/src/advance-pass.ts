import {
  addCounts,
  emptyCounts,
  pageKeys,
  parseListingRecord,
  planPage,
  type OutcomeCounts,
  type ParsedListingRecord,
} from "@uas/domain";
import type { Db } from "@uas/db";
import type { ListingFactory, ListingPage, ListingPort } from "./ports";
import { failPass, getPass, progressOf, type PassProgress, type PassTarget, type SyncPassRow } from "./passes";
import { loadFacilityContext, loadLocationMap, planSettingsFor, type FacilitySyncContext } from "./source-context";
import { loadRows } from "./row-store";
import { pagePlanStatements } from "./page-writer";
import { withWriteTransaction } from "./store-handle";
import { jsonLiteral, sqlText, type SqlText } from "@uas/db";
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
  /** Pages are applied together in one transaction until they hold this many records (RECORDS_PER_TRANSACTION). */
  recordsPerTransaction?: number;
};

export type AdvancePassResult = { status: "continue" | "done"; pass: SyncPassRow };

/**
 * Records applied in one write transaction: consecutive pages of a listing are read first, then applied
 * one after another in a single transaction (each page planned against the rows as the pages before it
 * left them, exactly as if each had its own transaction). A commit rewrites every index page the
 * transaction touched, and a page of people touches most leaves of the name index: committing per
 * page of 1,000 made commits over a third of a first pass. 5,000 records keep the write lock under a
 * few hundred milliseconds.
 */
export const RECORDS_PER_TRANSACTION = 5000;

/**
 * Reads up to `maxPages` pages of the pass's listings, applied in write transactions of up to
 * RECORDS_PER_TRANSACTION records together with the saved cursor, so a step can stop or crash anywhere
 * and the next step resumes after the last committed page. After the last page of every listing,
 * infers removals (finishPass).
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
    for (let pagesRead = 0; ; ) {
      const progress = progressOf(pass);
      const index = progress.targets.findIndex((target) => !target.done);
      if (index === -1) return { status: "done", pass: await finishPass(db, pass.id, readClock(input.now)) };
      if (pagesRead >= input.maxPages) return { status: "continue", pass };
      const target = progress.targets[index] as PassTarget;
      const listingKey = target.integrationId ?? "";
      const listing =
        listings.get(listingKey) ??
        input.listingFor({ facilityId: pass.facilityId, source: pass.source, integrationId: target.integrationId });
      listings.set(listingKey, listing);
      const { pages, readError } = await readPages(listing, target.cursor, {
        maxPages: input.maxPages - pagesRead,
        maxRecords: input.recordsPerTransaction ?? RECORDS_PER_TRANSACTION,
      });
      pagesRead += pages.length;
      if (pages.length > 0) {
        let locationMap: Map<string, string> | null = null;
        if (target.integrationId !== null) {
          locationMap = locationMaps.get(target.integrationId) ?? (await loadLocationMap(db, target.integrationId));
          locationMaps.set(target.integrationId, locationMap);
        }
        // The pages read before a read error are applied first: they are as good as ever.
        pass = await applyListingPages(db, { pass, index, target, pages, context, locationMap, now: input.now });
      }
      if (readError) throw readError;
      if (pass.state !== "running") return { status: "done", pass };
    }
  } catch (error) {
    if (input.onError === "throw") throw error;
    await failPass({ db, passId, reason: failureReason(error), now: readClock(input.now) });
    return { status: "done", pass: (await getPass(db, passId)) as SyncPassRow };
  }
}

/** Consecutive pages from `cursor`: until they hold `maxRecords` records, the listing ends, or `maxPages`. */
async function readPages(
  listing: ListingPort,
  cursor: string | null,
  limits: { maxPages: number; maxRecords: number },
): Promise<{ pages: ListingPage[]; readError: ListingReadError | null }> {
  const pages: ListingPage[] = [];
  let records = 0;
  while (pages.length < limits.maxPages && records < limits.maxRecords) {
    let page: ListingPage;
    try {
      page = await listing.fetchPage(cursor);
    } catch (error) {
      return { pages, readError: new ListingReadError(error) };
    }
    if (page.nextCursor !== null && page.nextCursor === cursor) {
      return { pages, readError: new ListingReadError(new Error("the listing returned the cursor it was given")) };
    }
    pages.push(page);
    records += page.records.length;
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  return { pages, readError: null };
}

/** Loops steps until the pass is done (tests, the bench, and small facilities). */
export async function runFullPass(
  input: Omit<AdvancePassInput, "maxPages"> & { maxPages?: number },
): Promise<SyncPassRow> {
  for (;;) {
    const result = await advancePass({ ...input, maxPages: input.maxPages ?? 50 });
    if (result.status === "done") return result.pass;
  }
}

/**
 * Applies consecutive pages of one listing in one transaction, each page's writes with its cursor;
 * returns the pass as it stands after them (re-read only if another step interfered).
 */
async function applyListingPages(
  db: Db,
  input: {
    pass: SyncPassRow;
    index: number;
    target: PassTarget;
    pages: readonly ListingPage[];
    context: FacilitySyncContext;
    locationMap: Map<string, string> | null;
    now: Clock;
  },
): Promise<SyncPassRow> {
  const { context, target, pass } = input;
  // Validation and parsing happen before the write lock is taken.
  const parsed = input.pages.map((page) => page.records.map((raw) => parseListingRecord(pass.source, raw)));
  const scope = { facilityId: pass.facilityId, source: pass.source, integrationId: target.integrationId };
  const settings = planSettingsFor(context, pass.source, target.integrationId);
  const applied = await withWriteTransaction(db, async (tx) => {
    // Auto-send is read in the transaction: when it is off, the outbox statement could not queue
    // anyone, so it is left out (it costs an indexed lookup per person).
    // The cursor each page was read from is its key in the pass's page records (ADR 0019).
    const pageKeysRead = input.pages.map((_, i) => (i === 0 ? target.cursor : input.pages[i - 1]?.nextCursor) ?? "");
    const [stored] = await tx.all<{
      state: string;
      progress: string | null;
      autoSend: number | null;
      recorded: string;
    }>(
      sqlText`SELECT state, progress, (SELECT auto_send_invitations FROM sync_settings WHERE facility_id = ${pass.facilityId}) AS autoSend,
        (SELECT json_group_array(page_key) FROM sync_pass_page WHERE pass_id = ${pass.id}
          AND integration_key = ${target.integrationId ?? ""}
          AND page_key IN (SELECT value FROM json_each(${jsonLiteral(pageKeysRead)}))) AS recorded
      FROM sync_pass WHERE id = ${pass.id}`,
    );
    if (!stored) throw new PassNotFoundError(pass.id);
    let progress = progressOf({
      progress: stored.progress === null ? null : JSON.parse(stored.progress),
      startedAt: pass.startedAt,
    });
    const current = progress.targets[input.index];
    // Another step (a duplicate queue message) got here first: leave its work as it is.
    if (stored.state !== "running" || !current || current.done || current.cursor !== target.cursor) return null;

    const counts = emptyCounts();
    let recordsDone = 0;
    let pagesDone = 0;
    const recorded = new Set(JSON.parse(stored.recorded) as string[]);
    for (const [i, page] of input.pages.entries()) {
      const records = parsed[i] as ParsedListingRecord[];
      parsed[i] = [];
      const now = readClock(input.now);
      const targets = progress.targets.map((t, j) =>
        j === input.index ? { ...t, cursor: page.nextCursor, done: page.nextCursor === null } : t,
      );
      progress = { ...progress, targets, lastStepAt: now };
      // A page this pass already recorded (applied again after a retry) changes nothing twice.
      if (recorded.has(pageKeysRead[i] as string)) {
        await tx.script([progressStatement(pass.id, emptyCounts(), 0, progress, 0)]);
        continue;
      }
      const rows = await loadRows(tx, scope, pageKeys(records));
      const plan = planPage({
        source: pass.source,
        facility: context.facility,
        settings,
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
        pageKey: pageKeysRead[i] as string,
      });
      await tx.script([...writes, progressStatement(pass.id, plan.counts, page.records.length, progress)]);
      addCounts(counts, plan.counts);
      recordsDone += page.records.length;
      pagesDone += 1;
    }
    return { counts, progress, recordsDone, pagesDone };
  });
  if (!applied) {
    const fresh = await getPass(db, pass.id);
    if (!fresh) throw new PassNotFoundError(pass.id);
    return fresh;
  }
  const { counts, progress, recordsDone, pagesDone } = applied;
  return {
    ...pass,
    added: pass.added + counts.added,
    updated: pass.updated + counts.updated,
    skipped: pass.skipped + counts.skipped,
    disabled: pass.disabled + counts.disabled,
    processed: pass.processed + counts.processed,
    pagesDone: pass.pagesDone + pagesDone,
    recordsDone: pass.recordsDone + recordsDone,
    progress,
  };
}

function progressStatement(
  passId: string,
  counts: OutcomeCounts,
  records: number,
  progress: PassProgress,
  pages = 1,
): SqlText {
  return sqlText`UPDATE sync_pass SET added = added + ${counts.added}, updated = updated + ${counts.updated},
    skipped = skipped + ${counts.skipped}, disabled = disabled + ${counts.disabled},
    processed = processed + ${counts.processed}, pages_done = pages_done + ${pages},
    records_done = records_done + ${records}, progress = ${jsonLiteral(progress)}
    WHERE id = ${passId}`;
}
