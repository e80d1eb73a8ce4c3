import { inArray } from "drizzle-orm";
import { syncPass, type Db } from "@uas/db";
import type { ListingFactory, ListingPage, ListingPort } from "./ports";
import { failPasses, getPass, progressOf, type PassTarget, type SyncPassRow } from "./passes";
import { loadFacilityContexts, loadLocationMap } from "./source-context";
import { loadStepOpening, type StepOpening } from "./step-opening";
import { finishPass } from "./finish-pass";
import { applyListingPages, PassNotFoundError, readClock, type Clock, type PageMember } from "./apply-pages";

export { PassNotFoundError, readClock, type Clock } from "./apply-pages";

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
  /**
   * The step's opening reads as the caller just made them (`stepOpeningReads`, batched with reads of its
   * own); without it the step reads them itself, in one request. The pass's state and cursor are checked
   * again where pages are applied.
   */
  opening?: StepOpening;
  /** Pages read in this step; the Worker runs one step per queue message. */
  maxPages: number;
  now: Clock;
  /** "fail" (default) ends the pass as failed on any error; "throw" leaves it running for the caller to retry the step. */
  onError?: "fail" | "throw";
  /** Pages are applied together in one transaction until they hold this many records (RECORDS_PER_TRANSACTION). */
  recordsPerTransaction?: number;
  /**
   * The other passes of a shared listing whose listings are all read (ADR 0020): "finish" (default) ends
   * each here; "return" leaves them to the caller (`membersDue`), so the Worker hands each a step of its
   * own and a reader's step stays within its subrequest budget however many facilities share the listing.
   */
  members?: "finish" | "return";
};

export type AdvancePassResult = {
  status: "continue" | "done";
  pass: SyncPassRow;
  /** With `members: "return"`: other passes whose pass end is due (their next step ends them). */
  membersDue: string[];
  /**
   * Auto-send was on (at the step's start) at a facility whose pages or pass end this step wrote: the
   * caller relays queued invitations after commit. When false this step queued none (a switch turned on
   * meanwhile is caught up by the cron's relay).
   */
  invitations: boolean;
};

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
 * infers removals: in the last page's own transaction when this step read it (apply-pages.ts), else
 * (a pass with nothing to read, or whose last page committed without its end) in `finishPass`'s.
 *
 * Round trips of a step that reads a listing to its end: the opening reads (one batch, unless the caller
 * made them), the listing's pages, then BEGIN with the members and rows, the pages' writes, the sweep's
 * read, and the pass end with COMMIT.
 */
export async function advancePass(input: AdvancePassInput): Promise<AdvancePassResult> {
  const { db, passId } = input;
  const opening = input.opening?.pass.id === passId ? input.opening : await loadStepOpening(db, passId);
  if (!opening) throw new PassNotFoundError(passId);
  let pass = opening.pass;
  if (pass.state !== "running") return { status: "done", pass, membersDue: [], invitations: false };
  const membersDue: string[] = [];
  // Auto-send on at a facility this step writes for (as read at its start): invitations may be queued.
  let invitations = false;
  const locationMaps = new Map<string, Map<string, string>>();
  const listings = new Map<string, ListingPort>();
  const sharers = new Map<string, PageMember[]>();
  // The other passes of a shared listing being read: a failure of the listing fails them too (ADR 0020).
  let together: string[] = [];
  try {
    const context = opening.context;
    if (!context) throw new Error("the facility no longer exists");
    for (const [integrationId, map] of opening.locationMaps) locationMaps.set(integrationId, map);
    const self: PageMember = { passId: pass.id, facilityId: pass.facilityId, context };
    for (let pagesRead = 0; ; ) {
      const progress = progressOf(pass);
      const index = nextTarget(pass.id, progress.targets);
      if (index === -1)
        return {
          status: "done",
          pass: await finishPass(db, pass.id, readClock(input.now)),
          membersDue,
          invitations: invitations || context.autoSendInvitations,
        };
      if (pagesRead >= input.maxPages) return { status: "continue", pass, membersDue, invitations };
      const target = progress.targets[index] as PassTarget;
      const listingKey = target.integrationId ?? "";
      const listing =
        listings.get(listingKey) ??
        input.listingFor({ facilityId: pass.facilityId, source: pass.source, integrationId: target.integrationId });
      listings.set(listingKey, listing);
      const members = sharers.get(listingKey) ?? [self, ...(await sharingMembers(db, pass.id, target))];
      sharers.set(listingKey, members);
      if (members.some((m) => m.context.autoSendInvitations)) invitations = true;
      together = members.slice(1).map((m) => m.passId);
      const { pages, readError } = await readPages(listing, target.cursor, {
        maxPages: input.maxPages - pagesRead,
        maxRecords: input.recordsPerTransaction ?? RECORDS_PER_TRANSACTION,
      });
      pagesRead += pages.length;
      // The listing read to its end, and it was the pass's last: the pass end goes with these pages.
      const endsPass =
        readError === null &&
        pages.at(-1)?.nextCursor === null &&
        progress.targets.every((t, j) => j === index || t.done);
      if (pages.length > 0) {
        let locationMap: Map<string, string> | null = null;
        if (target.integrationId !== null) {
          locationMap = locationMaps.get(target.integrationId) ?? (await loadLocationMap(db, target.integrationId));
          locationMaps.set(target.integrationId, locationMap);
        }
        // The pages read before a read error are applied first: they are as good as ever.
        const applied = await applyListingPages(db, {
          pass,
          target,
          pages,
          members,
          locationMap,
          now: input.now,
          endsPass,
        });
        pass = applied.pass;
        if (applied.ended) invitations ||= context.autoSendInvitations;
        // Each member's pass end is its own (its sweep, its brakes): one held does not hold the others.
        if (input.members === "return") membersDue.push(...applied.finished);
        else for (const memberId of applied.finished) await finishMember(db, memberId, readClock(input.now));
      }
      if (readError) throw readError;
      together = [];
      if (pass.state !== "running") return { status: "done", pass, membersDue, invitations };
    }
  } catch (error) {
    if (input.onError === "throw") throw error;
    await failPasses({ db, passIds: [passId, ...together], reason: failureReason(error), now: readClock(input.now) });
    return { status: "done", pass: (await getPass(db, passId)) as SyncPassRow, membersDue, invitations };
  }
}

/**
 * The next listing this pass reads: one it leads (the first of its sharers) or reads alone, then any
 * other still unread (a member stepped by the watchdog takes over a listing whose reader stalled).
 */
function nextTarget(passId: string, targets: readonly PassTarget[]): number {
  const own = targets.findIndex((t) => !t.done && (t.shared === undefined || t.shared[0] === passId));
  return own !== -1 ? own : targets.findIndex((t) => !t.done);
}

/** The other passes sharing a target's listing, with their facilities' settings. */
async function sharingMembers(db: Db, passId: string, target: PassTarget): Promise<PageMember[]> {
  const others = (target.shared ?? []).filter((id) => id !== passId);
  if (others.length === 0) return [];
  const rows = await db
    .select({ id: syncPass.id, facilityId: syncPass.facilityId })
    .from(syncPass)
    .where(inArray(syncPass.id, others));
  const contexts = await loadFacilityContexts(db, [...new Set(rows.map((row) => row.facilityId))]);
  return rows.flatMap((row) => {
    const context = contexts.get(row.facilityId);
    return context ? [{ passId: row.id, facilityId: row.facilityId, context }] : [];
  });
}

/** A member's pass end. Should it fail, the member stays running and the watchdog's step ends it later. */
async function finishMember(db: Db, passId: string, now: number): Promise<void> {
  try {
    await finishPass(db, passId, now);
  } catch (error) {
    console.error(`pass ${passId}: its end could not be written; the watchdog tries again`, rootMessage(error));
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
