import type { SyncSource } from "../vocabulary";
import type { ParsedListingRecord } from "./source-records";
import { invalidRecordReason } from "./source-records";
import { resolveFacilities } from "./locations";
import { SKIP_REASONS } from "./reasons";
import { planRecord, type AppliedOutcome, type PlanFacility, type PlanSettings, type RecordWrite } from "./plan-record";
import { recordFingerprint } from "./fingerprint";
import { personName, type ChangedField, type ExistingRow, type SyncPatch } from "./ownership";

export type OutcomeCounts = Record<AppliedOutcome, number>;

export function emptyCounts(): OutcomeCounts {
  return { added: 0, updated: 0, skipped: 0, disabled: 0, processed: 0 };
}

export function addCounts(into: OutcomeCounts, more: OutcomeCounts): OutcomeCounts {
  for (const key of Object.keys(into) as AppliedOutcome[]) into[key] += more[key];
  return into;
}

export type PlannedEntry = {
  /** unmapped: "No facility on the source record", written with no facility and shown to every mirroring facility. */
  scope: "facility" | "unmapped";
  externalId: string;
  name: string;
  outcome: AppliedOutcome;
  reason: string | null;
  changes: ChangedField[] | null;
};

export type PageWrite = {
  externalId: string;
  write: RecordWrite;
  patch: SyncPatch;
  isNew: boolean;
  /** The record's fingerprint to store with the write (null: none, the next pass plans the record in full). */
  fingerprint: string | null;
};

/** A row present in the listing but not written: the pass marks it seen, refreshing last-synced if it was applied. */
export type PageMark = { externalId: string; refresh: boolean };

export type PagePlan = {
  entries: PlannedEntry[];
  writes: PageWrite[];
  marks: PageMark[];
  counts: OutcomeCounts;
};

export type PagePlanInput = {
  source: SyncSource;
  facility: PlanFacility;
  settings: PlanSettings;
  /** Integration only: the partner's location id → facility id. */
  locationMap: ReadonlyMap<string, string> | null;
  records: readonly ParsedListingRecord[];
  /** This facility's rows of this source (and integration), by external id. */
  existingRows: ReadonlyMap<string, ExistingRow>;
  now: number;
  /**
   * The rows' stored record fingerprints (a pass's pages, ADR 0019 amendment): a record the row took
   * unchanged is Processed without being planned again, and each write carries its fingerprint.
   */
  fingerprints?: ReadonlyMap<string, string | null>;
};

/** The external ids a page concerns, to load their rows in one query. */
export function pageKeys(records: readonly ParsedListingRecord[]): string[] {
  const keys = new Set<string>();
  for (const record of records) {
    const key = record.ok ? record.person.externalId : record.externalId;
    if (key !== null) keys.add(key);
  }
  return [...keys];
}

/**
 * Plans one listing page for one facility. Records are applied in order against the state the page
 * has built so far, so a person listed twice is written once. Records for other facilities only are
 * left alone here: if this facility holds a row for them, the end-of-pass sweep removes it, under the
 * mass-disable brake and only once the listing is complete.
 */
export function planPage(input: PagePlanInput): PagePlan {
  const entries: PlannedEntry[] = [];
  const counts = emptyCounts();
  const writes = new Map<string, PageWrite>();
  const present = new Map<string, boolean>();
  // A person listed again on the same page is planned against the row as the page left it: the stored
  // row's admin switches with the patch written for them (built only when someone is listed twice).
  const rowOf = (key: string): ExistingRow | null => {
    const stored = input.existingRows.get(key) ?? null;
    const written = writes.get(key);
    if (!written) return stored;
    return {
      ...written.patch,
      trackSourceUpdates: stored?.trackSourceUpdates ?? true,
      accessEnabled: stored?.accessEnabled ?? true,
    };
  };
  const push = (entry: PlannedEntry) => {
    entries.push(entry);
    counts[entry.outcome] += 1;
  };

  const fingerprintSettings = {
    countryCode: input.facility.countryCode,
    requireIdentifier: input.settings.requireIdentifier,
  };
  for (const record of input.records) {
    if (!record.ok) {
      push({
        scope: "facility",
        externalId: record.externalId ?? "",
        name: "",
        outcome: "skipped",
        reason: invalidRecordReason(record.issues),
        changes: null,
      });
      // A record we cannot read still says the person exists: keep their row out of the sweep.
      if (record.externalId !== null) present.set(record.externalId, present.get(record.externalId) ?? false);
      continue;
    }
    const person = record.person;
    if (person.locationIds !== null && input.locationMap !== null) {
      const facilities = resolveFacilities(person.locationIds, input.locationMap);
      if (facilities.length === 0) {
        push({
          scope: "unmapped",
          externalId: person.externalId,
          name: [person.firstName?.trim(), person.lastName?.trim()].filter(Boolean).join(" "),
          outcome: "skipped",
          reason: SKIP_REASONS.noFacility,
          changes: null,
        });
        continue;
      }
      if (!facilities.includes(input.facility.id)) continue;
    }

    const row = rowOf(person.externalId);
    const stored = input.fingerprints?.get(person.externalId) ?? null;
    if (
      stored !== null &&
      row !== null &&
      !writes.has(person.externalId) &&
      row.trackSourceUpdates &&
      input.settings.sourceEnabled &&
      input.settings.integrationEnabled &&
      recordFingerprint(person, row, fingerprintSettings) === stored
    ) {
      push({
        scope: "facility",
        externalId: person.externalId,
        name: personName(row),
        outcome: "processed",
        reason: null,
        changes: null,
      });
      present.set(person.externalId, true);
      continue;
    }
    const plan = planRecord({
      source: input.source,
      change: { kind: "upsert", person },
      facility: input.facility,
      settings: input.settings,
      existingRow: row,
      now: input.now,
    });
    push({
      scope: "facility",
      externalId: person.externalId,
      name: plan.name,
      outcome: plan.outcome,
      reason: plan.reason,
      changes: plan.changes.length > 0 ? plan.changes : null,
    });
    present.set(person.externalId, (present.get(person.externalId) ?? false) || plan.applied);
    if (plan.write && plan.patch) {
      const earlier = writes.get(person.externalId);
      const isNew = earlier ? earlier.isNew : !input.existingRows.has(person.externalId);
      const write = earlier && earlier.write !== "touch" ? earlier.write : plan.write;
      writes.set(person.externalId, {
        externalId: person.externalId,
        write,
        patch: plan.patch,
        isNew,
        fingerprint:
          input.fingerprints !== undefined && plan.reason === null
            ? recordFingerprint(person, plan.patch, fingerprintSettings)
            : null,
      });
    }
  }

  const marks: PageMark[] = [];
  for (const [externalId, refresh] of present) {
    const row = input.existingRows.get(externalId);
    // Decoupled rows are left entirely alone; the sweep never touches them either.
    if (row?.trackSourceUpdates && !writes.has(externalId)) marks.push({ externalId, refresh });
  }
  return { entries, writes: [...writes.values()], marks, counts };
}
