import type { PagePlan } from "@uas/domain";
import type { DbOrTx } from "../database";
import { markSeen, newRowId, writeRows, type RowScope, type StoredRow } from "./row-store";
import { insertEntries, type EntryOrigin, type EntryToWrite } from "./activity-store";

/** Turns a page plan into its set-based writes: rows, seen marks, then the page's activity entries. */
export async function writePagePlan(
  db: DbOrTx,
  input: {
    scope: RowScope;
    origin: EntryOrigin;
    plan: PagePlan;
    rows: ReadonlyMap<string, StoredRow>;
  },
): Promise<void> {
  const { scope, origin, plan, rows } = input;
  const idByKey = new Map<string, string>();
  for (const [key, row] of rows) idByKey.set(key, row.id);
  const writes = plan.writes.map((w) => {
    const id = idByKey.get(w.externalId) ?? newRowId();
    idByKey.set(w.externalId, id);
    return { id, externalId: w.externalId, write: w.write, patch: w.patch };
  });
  await writeRows(db, scope, { passId: origin.passId, now: origin.at, writes });

  if (origin.passId !== null && plan.marks.length > 0) {
    const marks = plan.marks.flatMap((m) => {
      const id = idByKey.get(m.externalId);
      return id ? [{ id, refresh: m.refresh }] : [];
    });
    await markSeen(db, { passId: origin.passId, now: origin.at, marks });
  }

  const entries: EntryToWrite[] = plan.entries.map((e) => ({
    facilityId: e.scope === "facility" ? scope.facilityId : null,
    externalId: e.externalId,
    name: e.name,
    outcome: e.outcome,
    reason: e.reason,
    changes: e.changes,
    userId: e.scope === "facility" ? (idByKey.get(e.externalId) ?? null) : null,
  }));
  await insertEntries(db, origin, entries);
}
