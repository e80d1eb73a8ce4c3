import type { PagePlan } from "@uas/domain";
import { markSeenStatements, newRowId, rowWriteStatements, type RowScope, type StoredRow } from "./row-store";
import { entryStatements, type EntryOrigin, type EntryToWrite } from "./activity-store";
import { appliedUserIds, autoInvitationStatements } from "./invitation-outbox";

/** A page plan's set-based writes, for one script: rows, seen marks, the page's activity entries, invitations. */
export function pagePlanStatements(
  input: {
    scope: RowScope;
    origin: EntryOrigin;
    plan: PagePlan;
    rows: ReadonlyMap<string, StoredRow>;
    /** false when the facility's Auto-send is off (read in the same transaction): no outbox statement. */
    autoInvitations?: boolean;
  },
): string[] {
  const { scope, origin, plan, rows } = input;
  const idByKey = new Map<string, string>();
  for (const [key, row] of rows) idByKey.set(key, row.id);
  const writes = plan.writes.map((w) => {
    const id = idByKey.get(w.externalId) ?? newRowId(origin.at);
    idByKey.set(w.externalId, id);
    return { id, externalId: w.externalId, write: w.write, patch: w.patch };
  });
  const marks = plan.marks.flatMap((m) => {
    const row = rows.get(m.externalId);
    return row ? [{ rowid: row.rowid, refresh: m.refresh }] : [];
  });
  const entries: EntryToWrite[] = plan.entries.map((e) => ({
    facilityId: e.scope === "facility" ? scope.facilityId : null,
    externalId: e.externalId,
    name: e.name,
    outcome: e.outcome,
    reason: e.reason,
    changes: e.changes,
    userId: e.scope === "facility" ? (idByKey.get(e.externalId) ?? null) : null,
  }));
  return [
    ...rowWriteStatements(scope, { passId: origin.passId, now: origin.at, writes }),
    ...(origin.passId === null ? [] : markSeenStatements({ passId: origin.passId, now: origin.at, marks })),
    ...entryStatements(origin, entries),
    ...(input.autoInvitations === false ? [] : autoInvitationStatements(appliedUserIds(entries), origin.at)),
  ];
}
