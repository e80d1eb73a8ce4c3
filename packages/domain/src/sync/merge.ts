import { personName, type ChangedField, type ExistingRow } from "./ownership";

/**
 * Profile merges at the source (Mindbody `clientProfileMerger.created`): the kept person takes over the
 * removed person's row at each facility, so what the admin did for that person (access switch, grants,
 * custom tags, notes, app message, invitation) stays with them, instead of one row disabled as a leaver
 * and another added as a stranger. See docs/adr/0016 "Profile merges".
 */
export type MergeRow = ExistingRow & { id: string };

export type TakeoverStep =
  /** Only the removed person had a row here: it becomes the kept person's (their external id). */
  | { kind: "rekey"; facilityId: string; rowId: string; mergedName: string }
  /**
   * Both had a row: the removed person's row survives (its id, admin-owned fields, invitation) and takes
   * the kept person's synced data; the kept person's row is retired (its grants, tags, notes and invitation
   * folded into the survivor, then deleted).
   */
  | { kind: "fold"; facilityId: string; survivorId: string; retiredId: string; mergedName: string };

export function planTakeover(input: {
  keptRows: ReadonlyMap<string, MergeRow>;
  removedRows: ReadonlyMap<string, MergeRow>;
  /** The facilities the event may concern; a removed person's row elsewhere is left alone. */
  facilityIds: ReadonlySet<string>;
}): TakeoverStep[] {
  const steps: TakeoverStep[] = [];
  for (const [facilityId, removed] of input.removedRows) {
    if (!input.facilityIds.has(facilityId)) continue;
    const kept = input.keptRows.get(facilityId);
    const mergedName = personName(removed);
    if (!kept) steps.push({ kind: "rekey", facilityId, rowId: removed.id, mergedName });
    else if (kept.id !== removed.id)
      steps.push({ kind: "fold", facilityId, survivorId: removed.id, retiredId: kept.id, mergedName });
  }
  return steps;
}

/**
 * The kept person's row after a step, as the upsert that follows plans against it. A re-keyed row forgets
 * the source times of the removed person's details, so the kept person's record applies whatever its
 * `updated_at`; a folded row has the kept person's synced state and the survivor's switches (access stays
 * on only when it was on for both: an admin's "off" on either profile is kept).
 */
export function rowAfterTakeover(step: TakeoverStep, kept: MergeRow | undefined, removed: MergeRow): MergeRow {
  if (step.kind === "rekey" || !kept) return { ...removed, sourceUpdatedAt: null, removalSourceUpdatedAt: null };
  return {
    ...kept,
    id: removed.id,
    trackSourceUpdates: removed.trackSourceUpdates,
    accessEnabled: removed.accessEnabled && kept.accessEnabled,
  };
}

/** The activity entry's note: "Merged at the source with Jane Doe (1234)". */
export function mergedReason(name: string, externalId: string): string {
  return name === "" ? `Merged at the source with ${externalId}` : `Merged at the source with ${name} (${externalId})`;
}

/** The change the entry lists for a takeover: the row now answers to the kept person's external id. */
export function mergedChange(removedExternalId: string, keptExternalId: string): ChangedField {
  return { field: "externalId", from: removedExternalId, to: keptExternalId };
}
