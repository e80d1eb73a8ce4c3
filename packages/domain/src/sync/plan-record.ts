import type { Outcome, RequireIdentifier, SyncSource } from "../vocabulary";
import type { SourcePerson } from "./source-records";
import { normalisePerson, type NormalisedPerson } from "./normalise";
import {
  REMOVAL_REASONS,
  SKIP_REASONS,
  invalidContactsNote,
  requireIdentifierFailure,
  sourceOffReason,
} from "./reasons";
import {
  SYNCED_DETAIL_FIELDS,
  personName,
  sameTagSet,
  type ChangedField,
  type ExistingRow,
  type SyncPatch,
  type SyncState,
  type SyncedDetailField,
  type SyncedDetails,
} from "./ownership";

export type PlanSettings = {
  sourceEnabled: boolean;
  /** "Sync from these integrations" for this record's integration; always true for CCTV. */
  integrationEnabled: boolean;
  requireIdentifier: RequireIdentifier;
};

export type PlanFacility = { id: string; countryCode: string };

/** removed: the source said so; moved: no longer at this facility's locations; absent: not in a complete listing. */
export type RemovalCause = "removed" | "moved" | "absent";

export type PlannedChange =
  | { kind: "upsert"; person: SourcePerson }
  | { kind: "removal"; externalId: string; updatedAt: number | null; cause: RemovalCause };

export type RecordPlanInput = {
  source: SyncSource;
  change: PlannedChange;
  facility: PlanFacility;
  settings: PlanSettings;
  existingRow: ExistingRow | null;
  now: number;
};

export type AppliedOutcome = Exclude<Outcome, "failed">;

/** insert/update change what an admin sees; touch only records the source's newer `updated_at`. */
export type RecordWrite = "insert" | "update" | "touch";

export type RecordPlan = {
  outcome: AppliedOutcome;
  reason: string | null;
  changes: ChangedField[];
  /** The name for the activity entry. */
  name: string;
  write: RecordWrite | null;
  /** The row's whole sync-owned state after the write; null when nothing is written. */
  patch: SyncPatch | null;
  /** Sync applied the record to the row (Added, Updated, Disabled or Processed): a pass refreshes its last-synced time. */
  applied: boolean;
};

const REMOVAL_REASON_BY_CAUSE: Record<RemovalCause, string> = {
  removed: REMOVAL_REASONS.removedAtSource,
  moved: REMOVAL_REASONS.noLongerAtFacility,
  absent: REMOVAL_REASONS.absentFromListing,
};

function skipped(reason: string, name: string): RecordPlan {
  return { outcome: "skipped", reason, changes: [], name, write: null, patch: null, applied: false };
}

function processed(name: string, patch: SyncPatch | null, reason: string | null = null): RecordPlan {
  return { outcome: "processed", reason, changes: [], name, write: patch ? "touch" : null, patch, applied: true };
}

function recordName(person: SourcePerson): string {
  return personName({ firstName: person.firstName?.trim() ?? "", lastName: person.lastName?.trim() ?? "" });
}

function changeTime(change: PlannedChange): number | null {
  return change.kind === "upsert" ? change.person.updatedAt : change.updatedAt;
}

/** The step of "Sync this person now" that explains a rule (see trace.ts). */
export type RuleStep = "settings" | "match" | "identifier";

/** What the outcome rules read about one record at one facility. */
export type RuleFacts = {
  source: SyncSource;
  change: PlannedChange;
  settings: PlanSettings;
  row: ExistingRow | null;
  /** The upsert's person normalised for the facility (computed once, on first use); null for a removal. */
  normalised: () => NormalisedPerson | null;
};

/** A rule's verdict: Skipped with the help page's reason, or Processed with nothing to write. */
export type RuleVerdict = { outcome: "skipped"; reason: string } | { outcome: "processed" };

/** One rule that can decide a record before its write is planned; null: it does not apply, the next one looks. */
export type RecordRule = {
  name: string;
  step: RuleStep;
  decide: (facts: RuleFacts) => RuleVerdict | null;
};

const skip = (reason: string): RuleVerdict => ({ outcome: "skipped", reason });

/**
 * Rules 1–5 of product-rules.md "Outcomes", in order, with the stale-event check where it decides (an
 * event older than what the row took changes nothing: rule 9, checked before the identifier so an old
 * event never skips a row that took a newer one). The first rule that decides wins. planRecord walks this
 * list and so does the trace of "Sync this person now": a new skip reason is one entry here (its sentence
 * in reasons.ts), and both follow.
 */
export const RECORD_RULES: readonly RecordRule[] = [
  {
    name: "source off",
    step: "settings",
    decide: (f) => (f.settings.sourceEnabled ? null : skip(sourceOffReason(f.source))),
  },
  {
    name: "integration opted out",
    step: "settings",
    decide: (f) => (f.settings.integrationEnabled ? null : skip(SKIP_REASONS.integrationOptedOut)),
  },
  {
    name: "removal without a row",
    step: "match",
    decide: (f) => (f.change.kind === "removal" && !f.row ? skip(SKIP_REASONS.noMatchingRow) : null),
  },
  {
    name: "decoupled",
    step: "match",
    decide: (f) => (f.row && !f.row.trackSourceUpdates ? skip(SKIP_REASONS.decoupled) : null),
  },
  {
    name: "stale event",
    step: "match",
    decide: (f) => {
      // Delivery order is not guaranteed: an event older than what the row took changes nothing.
      const at = changeTime(f.change);
      return f.row && at !== null && f.row.sourceUpdatedAt !== null && at < f.row.sourceUpdatedAt
        ? { outcome: "processed" }
        : null;
    },
  },
  {
    name: "require identifier",
    step: "identifier",
    decide: (f) => {
      const person = f.normalised();
      const failure = person && requireIdentifierFailure(f.settings.requireIdentifier, person);
      return failure ? skip(failure) : null;
    },
  },
];

/** The facts the rules read, normalising the upsert's person at most once. */
export function ruleFacts(input: Omit<RecordPlanInput, "now">): RuleFacts {
  const { change, existingRow: row } = input;
  let normalised: NormalisedPerson | null | undefined;
  return {
    source: input.source,
    change,
    settings: input.settings,
    row,
    normalised: () => {
      if (normalised === undefined)
        normalised =
          change.kind === "upsert"
            ? normalisePerson(change.person, { countryCode: input.facility.countryCode, storedPhone: row?.mobilePhone })
            : null;
      return normalised;
    },
  };
}

/** The first rule that decides the record, with its verdict; null when none does (rules 6–9 plan the write). */
export function decidingRule(facts: RuleFacts): { rule: RecordRule; verdict: RuleVerdict } | null {
  for (const rule of RECORD_RULES) {
    const verdict = rule.decide(facts);
    if (verdict !== null) return { rule, verdict };
  }
  return null;
}

/** Rules 1–9 of product-rules.md "Outcomes", in order: the first that applies wins. */
export function planRecord(input: RecordPlanInput): RecordPlan {
  const { change, existingRow: row } = input;
  const facts = ruleFacts(input);
  const decided = decidingRule(facts);
  if (decided !== null) {
    const name = changeName(change, row);
    return decided.verdict.outcome === "skipped" ? skipped(decided.verdict.reason, name) : processed(name, null);
  }
  if (change.kind === "removal")
    return row ? planRemoval(row, change, changeName(change, row), input.now) : skipped(SKIP_REASONS.noMatchingRow, "");
  return planUpsert(input, facts.normalised() as NormalisedPerson, row);
}

/** The name for outcomes decided before normalising (an applied upsert is named after the normalised person). */
function changeName(change: PlannedChange, row: ExistingRow | null): string {
  return change.kind === "upsert" ? recordName(change.person) : row ? personName(row) : "";
}

function planUpsert(input: RecordPlanInput, normalised: NormalisedPerson, row: ExistingRow | null): RecordPlan {
  const name = personName(normalised);
  const note = invalidContactsNote(normalised.invalid);
  if (!row)
    return {
      outcome: "added",
      reason: note,
      changes: [],
      name,
      write: "insert",
      patch: stateFrom(normalised, input.now),
      applied: true,
    };

  // A removal newer than this record keeps the person removed; the details are still the newest.
  const removalIsNewer =
    row.removedAtSourceAt !== null &&
    row.removalSourceUpdatedAt !== null &&
    normalised.updatedAt < row.removalSourceUpdatedAt;
  const changes = diffDetails(row, normalised);
  if (row.removedAtSourceAt !== null && !removalIsNewer)
    changes.push({ field: "removedAtSource", from: true, to: false });
  if (changes.length > 0) {
    const fresh = stateFrom(normalised, input.now);
    const patch = removalIsNewer
      ? { ...fresh, removedAtSourceAt: row.removedAtSourceAt, removalSourceUpdatedAt: row.removalSourceUpdatedAt }
      : fresh;
    return { outcome: "updated", reason: note, changes, name, write: "update", patch, applied: true };
  }

  // Nothing visible differs; a newer `updated_at` is still recorded so later stale events stay stale.
  const newer = row.sourceUpdatedAt === null || normalised.updatedAt > row.sourceUpdatedAt;
  return processed(
    name,
    newer ? { ...keepState(row), sourceUpdatedAt: normalised.updatedAt, lastSyncedAt: input.now } : null,
    note,
  );
}

function planRemoval(
  row: ExistingRow,
  change: Extract<PlannedChange, { kind: "removal" }>,
  name: string,
  now: number,
): RecordPlan {
  if (row.removedAtSourceAt === null) {
    return {
      outcome: "disabled",
      reason: REMOVAL_REASON_BY_CAUSE[change.cause],
      changes: [{ field: "removedAtSource", from: false, to: true }],
      name,
      write: "update",
      patch: { ...keepState(row), removedAtSourceAt: now, removalSourceUpdatedAt: change.updatedAt, lastSyncedAt: now },
      applied: true,
    };
  }
  // A repeat removal: nothing visible, but a newer one keeps older upserts from bringing the person back.
  const removalSourceUpdatedAt = latest(row.removalSourceUpdatedAt, change.updatedAt);
  const newer = removalSourceUpdatedAt !== row.removalSourceUpdatedAt;
  return processed(name, newer ? { ...keepState(row), removalSourceUpdatedAt, lastSyncedAt: now } : null);
}

function latest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

function stateFrom(person: NormalisedPerson, now: number): SyncState {
  return {
    ...pickDetails(person),
    lastSyncedAt: now,
    sourceUpdatedAt: person.updatedAt,
    removedAtSourceAt: null,
    removalSourceUpdatedAt: null,
  };
}

/** Copies only the sync-owned state: admin-owned fields must never ride along in a patch. */
function keepState(row: SyncState): SyncState {
  return {
    ...pickDetails(row),
    lastSyncedAt: row.lastSyncedAt,
    sourceUpdatedAt: row.sourceUpdatedAt,
    removedAtSourceAt: row.removedAtSourceAt,
    removalSourceUpdatedAt: row.removalSourceUpdatedAt,
  };
}

/** The synced details of a person or row, field by field from the domain's one list. */
function pickDetails(source: SyncedDetails): SyncedDetails {
  const details: Partial<Record<SyncedDetailField, unknown>> = {};
  for (const field of SYNCED_DETAIL_FIELDS) details[field] = source[field];
  return details as SyncedDetails;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

export function diffDetails(before: SyncedDetails, after: SyncedDetails): ChangedField[] {
  const changes: ChangedField[] = [];
  for (const field of SYNCED_DETAIL_FIELDS) {
    if (field === "syncedTags") {
      // Stored and normalised lists are both sorted sets: equal lists are the usual case, checked without a Set.
      if (!sameList(before.syncedTags, after.syncedTags) && !sameTagSet(before.syncedTags, after.syncedTags)) {
        changes.push({ field, from: before.syncedTags, to: after.syncedTags });
      }
    } else if (before[field] !== after[field]) {
      changes.push({ field, from: before[field], to: after[field] });
    }
  }
  return changes;
}
