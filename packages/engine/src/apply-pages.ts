import {
  addCounts,
  emptyCounts,
  pageKeys,
  parseListingRecord,
  planPage,
  resolveFacilities,
  type OutcomeCounts,
  type ParsedListingRecord,
} from "@uas/domain";
import { jsonLiteral, REPEAT_SOURCE_MS, sqlText, type Db, type SqlText } from "@uas/db";
import type { ListingPage } from "./ports";
import { getPass, progressOf, type PassProgress, type PassTarget, type SyncPassRow } from "./passes";
import { contextStatement, contextsFrom, idList, planSettingsFor, type FacilitySyncContext } from "./source-context";
import { endPassIn } from "./finish-pass";
import { passRowFrom } from "./pass-row";
import { loadPeopleRows, loadRows, type StoredRow } from "./row-store";
import { pagePlanStatements } from "./page-writer";
import { loadSkipAnchors, type SkipAnchors } from "./repeated-skips";
import { withPipelinedWriteTransaction, type StoreHandle } from "./store-handle";

export type Clock = number | (() => number);
export const readClock = (clock: Clock): number => (typeof clock === "function" ? clock() : clock);

export class PassNotFoundError extends Error {
  constructor(passId: string) {
    super(`Sync pass ${passId} not found`);
    this.name = "PassNotFoundError";
  }
}

/** A pass a listing's pages are applied to: the one reading it, and in a chain the others sharing it (ADR 0020). */
export type PageMember = { passId: string; facilityId: string; context: FacilitySyncContext };

export type AppliedPages = {
  /** The reading pass as it stands after the pages (re-read only if another step interfered); ended if `ended`. */
  pass: SyncPassRow;
  /** The pages read the pass's last listing to its end, and its pass end was written with them. */
  ended: boolean;
  /** The other members whose every listing is now read to the end: their pass end is due. */
  finished: string[];
};

type MemberState = PageMember & {
  /** The member's pass as read in the transaction. */
  row: SyncPassRow;
  progress: PassProgress;
  index: number;
  autoSend: boolean;
  recorded: Set<string>;
};

/**
 * Applies consecutive pages of one listing in one transaction, each page's writes with its cursor, to
 * the reading pass and to every member sharing the listing. Each member keeps its own rows, entries,
 * counts, page records and cursor, exactly as if it had read the pages itself; a member whose cursor is
 * not where the reading pass's is (a duplicate step got there first, or it ended) is left alone.
 *
 * With `endsPass` (these pages read the reading pass's last listing to its end), its pass end (the sweep,
 * the brakes, the pass row: finish-pass.ts) is written in the same transaction, after the pages, with the
 * facility's context read in it: no transaction of its own after them. The members' pass ends stay
 * theirs (`finished`). A retried step finds the cursor moved (or the pass ended) and writes nothing.
 *
 * Round trips holding the write lock: BEGIN with the members, the first page's rows (and the facility's
 * context when the pass ends here) in one batch; each page's writes with the next page's rows; then the
 * last writes with COMMIT, or, when the pass ends here, the sweep's read and the end with COMMIT.
 */
export async function applyListingPages(
  db: Db,
  input: {
    pass: SyncPassRow;
    target: PassTarget;
    pages: readonly ListingPage[];
    /** The reading pass first. */
    members: readonly PageMember[];
    locationMap: Map<string, string> | null;
    now: Clock;
    /** The last page ends the reading pass's last unread listing: write its pass end with the pages. */
    endsPass?: boolean;
  },
): Promise<AppliedPages> {
  const { target, pass } = input;
  // Validation and parsing happen before the write lock is taken, once for every member.
  const parsed = input.pages.map((page) => page.records.map((raw) => parseListingRecord(pass.source, raw)));
  const integrationKey = target.integrationId ?? "";
  // The cursor each page was read from is its key in the pass's page records (ADR 0019).
  const pageKeysRead = input.pages.map((_, i) => (i === 0 ? target.cursor : input.pages[i - 1]?.nextCursor) ?? "");
  // A page's rows at every member, by facility (one statement however many members share the page).
  const readMemberRows = async (keys: string[], tx: StoreHandle) => {
    if (input.members.length > 1) return rowsByFacility(tx, input.members, pass, target, keys);
    const scope = { facilityId: pass.facilityId, source: pass.source, integrationId: target.integrationId };
    return new Map([[pass.facilityId, await loadRows(tx, scope, keys)]]);
  };
  // A page's rows and its people's last Skipped entries, in one batch.
  const readRows = async (
    records: readonly ParsedListingRecord[],
    tx: StoreHandle,
  ): Promise<{ rows: Map<string, Map<string, StoredRow>>; anchors: SkipAnchors }> => {
    const keys = pageKeys(records);
    const [rows, anchors] = await Promise.all([
      readMemberRows(keys, tx),
      loadSkipAnchors(tx, {
        facilityIds: input.members.map((m) => m.facilityId),
        integrationId: target.integrationId,
        externalIds: keys,
        since: readClock(input.now) - REPEAT_SOURCE_MS,
      }),
    ]);
    return { rows, anchors };
  };
  const applied = await withPipelinedWriteTransaction(db, async (tx) => {
    // One batch with BEGIN: the members, the first page's rows, and the context the pass end needs.
    const [live, firstRows, endContext] = await Promise.all([
      liveMembers(tx, { ...input, integrationKey, pageKeysRead }),
      readRows(parsed[0] ?? [], tx),
      input.endsPass ? tx.all(contextStatement(idList([pass.facilityId]))) : null,
    ]);
    // Another step (a duplicate queue message) got here first: leave its work as it is.
    if (live[0]?.passId !== pass.id) return null;
    const totals = new Map(live.map((m) => [m.passId, { counts: emptyCounts(), records: 0, pages: 0 }]));
    for (const [i, page] of input.pages.entries()) {
      const records = parsed[i] as ParsedListingRecord[];
      parsed[i] = [];
      const now = readClock(input.now);
      const shares = live.length > 1 ? recordsByFacility(records, input.locationMap) : null;
      // Each page is planned against the rows as the pages before it left them (their writes go out first).
      const rowsAt = i === 0 ? firstRows : await readRows(records, tx);
      const statements: SqlText[] = [];
      for (const member of live) {
        const targets = member.progress.targets.map((t, j) =>
          j === member.index ? { ...t, cursor: page.nextCursor, done: page.nextCursor === null } : t,
        );
        member.progress = { ...member.progress, targets, lastStepAt: now };
        // A page this pass already recorded (applied again after a retry) changes nothing twice: only
        // the cursor moves.
        if (member.recorded.has(pageKeysRead[i] as string)) continue;
        const mine = shares ? shares(member.facilityId) : records;
        const plan = planMemberPage(member, {
          pass,
          target,
          records: mine,
          rows: rowsAt.rows.get(member.facilityId) ?? new Map(),
          now,
          map: input.locationMap,
        });
        statements.push(
          ...pagePlanStatements({
            scope: plan.scope,
            origin: {
              organisationId: member.context.facility.organisationId,
              source: pass.source,
              integrationId: target.integrationId,
              passId: member.passId,
              webhookId: null,
              at: now,
            },
            plan: plan.plan,
            rows: plan.rows,
            autoInvitations: member.autoSend,
            pageKey: pageKeysRead[i] as string,
            anchors: rowsAt.anchors,
          }),
        );
        const total = totals.get(member.passId);
        if (total) {
          addCounts(total.counts, plan.plan.counts);
          total.records += page.records.length;
          total.pages += 1;
        }
      }
      // Each member's counts and cursor once, with the last page: the pages commit together, and each
      // UPDATE of the pass row is a row written.
      if (i === input.pages.length - 1)
        for (const member of live) {
          const total = totals.get(member.passId);
          if (total)
            statements.push(
              progressStatement(member.passId, total.counts, total.records, member.progress, total.pages),
            );
        }
      await tx.script(statements);
    }
    const reader = live[0] as MemberState;
    const own = totals.get(pass.id) ?? { counts: emptyCounts(), records: 0, pages: 0 };
    const after: SyncPassRow = {
      ...reader.row,
      added: reader.row.added + own.counts.added,
      updated: reader.row.updated + own.counts.updated,
      skipped: reader.row.skipped + own.counts.skipped,
      disabled: reader.row.disabled + own.counts.disabled,
      processed: reader.row.processed + own.counts.processed,
      pagesDone: reader.row.pagesDone + own.pages,
      recordsDone: reader.row.recordsDone + own.records,
      progress: reader.progress,
    };
    if (!input.endsPass || !reader.progress.targets.every((t) => t.done)) return { live, pass: after, ended: false };
    const contexts = contextsFrom(endContext ?? (await tx.all(contextStatement(idList([pass.facilityId])))));
    const ended = await endPassIn(tx, {
      pass: after,
      context: contexts.get(pass.facilityId),
      now: readClock(input.now),
    });
    return { live, pass: ended, ended: true };
  });
  if (!applied) return { pass: await reread(db, pass.id), ended: false, finished: [] };
  const finished = applied.live
    .slice(1)
    .filter((m) => m.progress.targets.every((t) => t.done))
    .map((m) => m.passId);
  return { pass: applied.pass, ended: applied.ended, finished };
}

async function reread(db: Db, passId: string): Promise<SyncPassRow> {
  const fresh = await getPass(db, passId);
  if (!fresh) throw new PassNotFoundError(passId);
  return fresh;
}

/**
 * The members still at the reading pass's cursor, in the transaction: state, cursor, Auto-send (when it
 * is off, the outbox statement could not queue anyone, so it is left out) and the pages each already
 * recorded. One statement for all of them.
 */
async function liveMembers(
  tx: StoreHandle,
  input: {
    pass: SyncPassRow;
    target: PassTarget;
    members: readonly PageMember[];
    integrationKey: string;
    pageKeysRead: string[];
  },
): Promise<MemberState[]> {
  const ids = input.members.map((m) => m.passId);
  const stored = await tx.all<Record<string, unknown> & { autoSend: number | null; recorded: string }>(
    sqlText`SELECT p.*,
        (SELECT auto_send_invitations FROM sync_settings WHERE facility_id = p.facility_id) AS autoSend,
        (SELECT json_group_array(page_key) FROM sync_pass_page WHERE pass_id = p.id
          AND integration_key = ${input.integrationKey}
          AND page_key IN (SELECT value FROM json_each(${jsonLiteral(input.pageKeysRead)}))) AS recorded
      FROM sync_pass p WHERE p.id IN (SELECT value FROM json_each(${jsonLiteral(ids)}))`,
  );
  const byId = new Map(stored.map((raw) => [raw.id, { raw, row: passRowFrom(raw) }]));
  const live: MemberState[] = [];
  for (const member of input.members) {
    const found = byId.get(member.passId);
    if (found?.row.state !== "running") continue;
    const { raw, row } = found;
    const progress = progressOf(row);
    const index = progress.targets.findIndex((t) => t.integrationId === input.target.integrationId);
    const current = progress.targets[index];
    if (!current || current.done || current.cursor !== input.target.cursor) continue;
    live.push({
      ...member,
      row,
      progress,
      index,
      autoSend: raw.autoSend === 1,
      recorded: new Set(JSON.parse(raw.recorded) as string[]),
    });
  }
  return live;
}

function planMemberPage(
  member: MemberState,
  input: {
    pass: SyncPassRow;
    target: PassTarget;
    records: readonly ParsedListingRecord[];
    /** The member's rows of the page. */
    rows: Map<string, StoredRow>;
    now: number;
    map: Map<string, string> | null;
  },
) {
  const scope = { facilityId: member.facilityId, source: input.pass.source, integrationId: input.target.integrationId };
  const rows = input.rows;
  const plan = planPage({
    source: input.pass.source,
    facility: member.context.facility,
    settings: planSettingsFor(member.context, input.pass.source, input.target.integrationId),
    locationMap: input.map,
    records: input.records,
    existingRows: rows,
    now: input.now,
    fingerprints: new Map([...rows.values()].map((row) => [row.externalId, row.recordFingerprint])),
  });
  return { scope, rows, plan };
}

/** A shared page's rows at each member's facility, by facility id then external id. */
async function rowsByFacility(
  tx: StoreHandle,
  members: readonly PageMember[],
  pass: SyncPassRow,
  target: PassTarget,
  externalIds: string[],
): Promise<Map<string, Map<string, StoredRow>>> {
  const rows = await loadPeopleRows(tx, {
    facilityIds: members.map((m) => m.facilityId),
    source: pass.source,
    integrationId: target.integrationId,
    externalIds,
  });
  const byFacility = new Map<string, Map<string, StoredRow>>();
  for (const row of rows) {
    const at = byFacility.get(row.facilityId) ?? new Map<string, StoredRow>();
    at.set(row.externalId, row);
    byFacility.set(row.facilityId, at);
  }
  return byFacility;
}

/**
 * A shared page's records per member facility, the locations resolved once per record: the records
 * `planPage` would consider at that facility (its own, the unmapped ones, the unreadable ones, and any
 * without locations), in page order. The others `planPage` would pass over anyway.
 */
function recordsByFacility(
  records: readonly ParsedListingRecord[],
  locationMap: Map<string, string> | null,
): (facilityId: string) => ParsedListingRecord[] {
  if (locationMap === null) return () => [...records];
  const everyone: boolean[] = [];
  const at: (readonly string[])[] = [];
  for (const record of records) {
    const locations = record.ok ? record.person.locationIds : null;
    const facilities = locations === null ? [] : resolveFacilities(locations, locationMap);
    everyone.push(locations === null || facilities.length === 0);
    at.push(facilities);
  }
  return (facilityId) => records.filter((_, i) => everyone[i] || at[i]?.includes(facilityId));
}

export function progressStatement(
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
