import type { PagePlan } from "@uas/domain";
import { markSeenStatements, newRowId, rowWriteStatements, type RowScope, type StoredRow } from "./row-store";
import { entryStatements, type EntryOrigin, type EntryToWrite } from "./activity-store";
import { appliedUserIds, autoInvitationStatements } from "./invitation-outbox";
import { accessGraceStatements } from "@uas/db";

/** A page plan's set-based writes, for one script: rows, seen marks, the page's activity entries, invitations. */
export function pagePlanStatements(input: {
  scope: RowScope;
  origin: EntryOrigin;
  plan: PagePlan;
  rows: ReadonlyMap<string, StoredRow>;
  /** false when the facility's Auto-send is off (read in the same transaction): no outbox statement. */
  autoInvitations?: boolean;
}): string[] {
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
    return { id, externalId: w.externalId, write: w.write, patch: w.patch };
  });
  const marks: { rowid: number; refresh: boolean }[] = [];
  for (const m of plan.marks) {
    const row = rows.get(m.externalId);
    if (row) marks.push({ rowid: row.rowid, refresh: m.refresh });
  }
  const entries: EntryToWrite[] = plan.entries.map((e) => {
    const facility = e.scope === "facility";
    return {
      facilityId: facility ? scope.facilityId : null,
      externalId: e.externalId,
      name: e.name,
      outcome: e.outcome,
      reason: e.reason,
      changes: e.changes,
      userId: facility ? (idOf(e.externalId) ?? null) : null,
    };
  });
  return [
    ...rowWriteStatements(scope, { passId: origin.passId, now: origin.at, writes }),
    ...(origin.passId === null ? [] : markSeenStatements({ passId: origin.passId, now: origin.at, marks })),
    ...entryStatements(origin, entries),
    ...accessGraceStatements(appliedUserIds(entries), origin.at),
    ...(input.autoInvitations === false ? [] : autoInvitationStatements(appliedUserIds(entries), origin.at)),
  ];
}
