import type { SqlText } from "@uas/db";
import type { PagePlan } from "@uas/domain";
import { markSeenStatements, newRowId, rowWriteStatements, type RowScope, type StoredRow } from "./row-store";
import { entryStatements, type EntryOrigin, type EntryToWrite } from "./activity-store";
import { appliedUserIds, autoInvitationStatements } from "./invitation-outbox";
import { accessGraceStatements } from "@uas/db";
import { isDerivedEntry, pageRecordStatements } from "./page-record";
import { repeatedAnchor, type SkipAnchors } from "./repeated-skips";

/**
 * A page plan's set-based writes, for one script: rows, the page's activity entries, invitations. A
 * pass's page (`pageKey` given) also writes its page record (ADR 0019): the people it met, instead of
 * a seen-mark on each row, the unchanged people whose Processed entries are derived from it, and the
 * people skipped again as their last Skipped entry says, whose entries are derived from that one.
 */
export function pagePlanStatements(input: {
  scope: RowScope;
  origin: EntryOrigin;
  plan: PagePlan;
  rows: ReadonlyMap<string, StoredRow>;
  /** false when the facility's Auto-send is off (read in the same transaction): no outbox statement. */
  autoInvitations?: boolean;
  /** A pass's page: the cursor it was read from ('' for the first). */
  pageKey?: string;
  /** A pass's page: the page's people's last Skipped entries, which a same Skipped entry repeats. */
  anchors?: SkipAnchors;
}): SqlText[] {
  const { scope, origin, plan, rows } = input;
  // Ids of the rows this page creates; every other person's id is their stored row's.
  const newIds = new Map<string, string>();
  const idOf = (key: string) => rows.get(key)?.id ?? newIds.get(key);
  const writes = plan.writes.map((w) => {
    let id = idOf(w.externalId);
    if (id === undefined) {
      id = newRowId(origin.at);
      newIds.set(w.externalId, id);
    }
    return { id, externalId: w.externalId, write: w.write, patch: w.patch, fingerprint: w.fingerprint };
  });
  const recorded = origin.passId !== null && input.pageKey !== undefined;
  const entries: EntryToWrite[] = [];
  const applied: EntryToWrite[] = [];
  const derived = new Map<string, string | null>();
  const repeated: number[] = [];
  for (const e of plan.entries) {
    const facility = e.scope === "facility";
    const entry: EntryToWrite = {
      facilityId: facility ? scope.facilityId : null,
      externalId: e.externalId,
      name: e.name,
      outcome: e.outcome,
      reason: e.reason,
      changes: e.changes,
      userId: facility ? (idOf(e.externalId) ?? null) : null,
    };
    applied.push(entry);
    if (recorded && isDerivedEntry(e, rows.has(e.externalId))) {
      derived.set(e.externalId, e.reason);
      continue;
    }
    const anchor = recorded ? repeatedAnchor(entry, origin, input.anchors) : null;
    if (anchor) repeated.push(anchor.id);
    else entries.push(entry);
  }
  // Without a page record (a webhook's plan has no marks), every mark is a row write as before; with
  // one, only an applied person whose entry is written individually gets their last-synced time (the
  // derived ones take theirs from the page record).
  const marks: { rowid: number; refresh: boolean }[] = [];
  for (const m of plan.marks) {
    const row = rows.get(m.externalId);
    if (!row || (recorded && (!m.refresh || derived.has(m.externalId)))) continue;
    marks.push({ rowid: row.rowid, refresh: m.refresh });
  }
  return [
    ...rowWriteStatements(scope, { passId: origin.passId, now: origin.at, writes }),
    ...(origin.passId === null ? [] : markSeenStatements({ passId: origin.passId, now: origin.at, marks })),
    ...entryStatements(origin, entries),
    ...(recorded
      ? pageRecordStatements(scope, origin, {
          pageKey: input.pageKey ?? "",
          met: [...plan.marks.map((m) => m.externalId), ...plan.writes.map((w) => w.externalId)],
          derived,
          repeated,
        })
      : []),
    // An unchanged person's details are as the rules last saw them: only written people are re-matched.
    ...accessGraceStatements(appliedUserIds(entries), origin.at),
    ...(input.autoInvitations === false ? [] : autoInvitationStatements(appliedUserIds(applied), origin.at)),
  ];
}
