import type { SyncSource } from "../vocabulary";
import { normalisePerson } from "./normalise";
import { SKIP_REASONS, requireIdentifierFailure, sourceOffReason } from "./reasons";
import { resolveFacilities } from "./locations";
import type { PlanSettings } from "./plan-record";
import type { SourceChange } from "./source-records";

/** The steps of "Sync this person now", in the order the engine decides them. */
export const TRACE_STEPS = ["fetch", "facility", "settings", "identifier", "match", "action"] as const;
export type TraceStepName = (typeof TRACE_STEPS)[number];
export type TraceStatus = "ok" | "stop" | "skip" | "info";
export type TraceStep = { step: TraceStepName; status: TraceStatus; detail: string };

export type TraceInput = {
  source: SyncSource;
  /** What the source answered: the person, or null when it no longer has them (a removal). */
  change: SourceChange | null;
  facilityId: string;
  countryCode: string;
  settings: PlanSettings;
  /** The integration's location → facility map (null for CCTV: the facility is in the path). */
  locationMap: ReadonlyMap<string, string> | null;
  existingRow: { trackSourceUpdates: boolean } | null;
};

/**
 * Explains, step by step, what sync decides for one person in one facility: the admin's answer to
 * "why isn't this person synced?". It mirrors the order of the outcome rules; the final "action" step
 * comes from the engine applying the record.
 */
export function traceDecision(input: TraceInput): TraceStep[] {
  const steps: TraceStep[] = [];
  const { change } = input;
  if (change === null) {
    steps.push({ step: "fetch", status: "info", detail: "The source no longer has this person: treated as a removal" });
  } else if (change.kind === "removal") {
    steps.push({ step: "fetch", status: "info", detail: "The source reports this person as removed" });
  } else {
    steps.push({ step: "fetch", status: "ok", detail: "Found at the source" });
  }

  const person = change?.kind === "upsert" ? change.person : null;
  if (input.locationMap !== null && person) {
    const facilities = resolveFacilities(person.locationIds ?? [], input.locationMap);
    if (facilities.length === 0) {
      steps.push({ step: "facility", status: "stop", detail: SKIP_REASONS.noFacility });
      return steps;
    }
    if (!facilities.includes(input.facilityId)) {
      steps.push({
        step: "facility",
        status: "info",
        detail: "Mapped to other facilities only: a removal for this facility",
      });
    } else {
      steps.push({ step: "facility", status: "ok", detail: "Mapped to this facility through its location" });
    }
  } else {
    steps.push({
      step: "facility",
      status: "ok",
      detail: input.locationMap === null ? "This facility's CCTV module" : "Removal: no locations to check",
    });
  }

  if (!input.settings.sourceEnabled) {
    steps.push({ step: "settings", status: "stop", detail: sourceOffReason(input.source) });
    return steps;
  }
  if (!input.settings.integrationEnabled) {
    steps.push({ step: "settings", status: "stop", detail: SKIP_REASONS.integrationOptedOut });
    return steps;
  }
  steps.push({ step: "settings", status: "ok", detail: "The source is on and this facility mirrors it" });

  if (person) {
    const normalised = normalisePerson(person, { countryCode: input.countryCode });
    const failure = requireIdentifierFailure(input.settings.requireIdentifier, {
      email: normalised.email,
      mobilePhone: normalised.mobilePhone,
      invalid: normalised.invalid,
    });
    steps.push(
      failure
        ? { step: "identifier", status: "stop", detail: failure }
        : { step: "identifier", status: "ok", detail: "Meets Require identifier" },
    );
  } else {
    steps.push({ step: "identifier", status: "skip", detail: "Not checked for a removal" });
  }

  if (!input.existingRow) {
    steps.push({
      step: "match",
      status: "info",
      detail: person ? "No User Access row yet" : SKIP_REASONS.noMatchingRow,
    });
  } else if (!input.existingRow.trackSourceUpdates) {
    steps.push({ step: "match", status: "stop", detail: SKIP_REASONS.decoupled });
  } else {
    steps.push({ step: "match", status: "ok", detail: "Matches an existing User Access row" });
  }
  return steps;
}
