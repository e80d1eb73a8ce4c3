import type { SyncSource } from "../vocabulary";
import { SKIP_REASONS } from "./reasons";
import { resolveFacilities } from "./locations";
import type { ExistingRow } from "./ownership";
import { changeAtFacility } from "./plan-event";
import {
  RECORD_RULES,
  ruleFacts,
  type PlanSettings,
  type PlannedChange,
  type RuleFacts,
  type RuleStep,
} from "./plan-record";
import type { SourceChange } from "./source-records";

/** The steps of "Sync this person now", in the order the screen shows them. */
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
  existingRow: ExistingRow | null;
};

/** What a rule step says when none of its rules decided the record. */
const PASSED: Record<RuleStep, (facts: RuleFacts) => Omit<TraceStep, "step">> = {
  settings: () => ({ status: "ok", detail: "The source is on and this facility mirrors it" }),
  identifier: (f) =>
    f.change.kind === "upsert"
      ? { status: "ok", detail: "Meets Require identifier" }
      : { status: "skip", detail: "Not checked for a removal" },
  match: (f) =>
    f.row
      ? { status: "ok", detail: "Matches an existing User Access row" }
      : { status: "info", detail: "No User Access row yet" },
};

/**
 * Explains, step by step, what sync decides for one person in one facility: the admin's answer to
 * "why isn't this person synced?". The rule steps walk planRecord's own rule list (RECORD_RULES) in its
 * order and stop where the first rule decides, as planRecord does; a step the walk did not reach is not
 * shown. Steps are listed in the screen's order; the final "action" step comes from the engine applying
 * the record.
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
  let mapped: string[] | null = null;
  if (input.locationMap !== null && person) {
    mapped = resolveFacilities(person.locationIds ?? [], input.locationMap);
    // As planSourceEvent: a record no location maps concerns only the facilities already holding the person.
    if (mapped.length === 0 && input.existingRow === null) {
      steps.push({ step: "facility", status: "stop", detail: SKIP_REASONS.noFacility });
      return steps;
    }
    // Nor does it concern a facility it does not map to that holds no row: nothing is planned there.
    if (!mapped.includes(input.facilityId) && input.existingRow === null) {
      steps.push({ step: "facility", status: "stop", detail: SKIP_REASONS.noMatchingRow });
      return steps;
    }
    if (!mapped.includes(input.facilityId)) {
      steps.push({
        step: "facility",
        status: "info",
        detail:
          mapped.length === 0
            ? "At no mapped location any more: a removal for this facility"
            : "Mapped to other facilities only: a removal for this facility",
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

  const planned: PlannedChange =
    change === null
      ? { kind: "removal", externalId: "", updatedAt: null, cause: "removed" }
      : changeAtFacility(change, mapped, input.facilityId);
  const facts = ruleFacts({
    source: input.source,
    change: planned,
    facility: { id: input.facilityId, countryCode: input.countryCode },
    settings: input.settings,
    existingRow: input.existingRow,
  });
  return [...steps, ...ruleSteps(facts)];
}

/** The rule steps in the screen's order: each reached step says stop (the rule that decided) or passed. */
function ruleSteps(facts: RuleFacts): TraceStep[] {
  const reached = new Map<RuleStep, Omit<TraceStep, "step"> | null>();
  for (const rule of RECORD_RULES) {
    if (!reached.has(rule.step)) reached.set(rule.step, null);
    const verdict = rule.decide(facts);
    if (verdict === null) continue;
    if (verdict.outcome === "skipped") reached.set(rule.step, { status: "stop", detail: verdict.reason });
    break;
  }
  return TRACE_STEPS.flatMap((step) => {
    if (!isRuleStep(step) || !reached.has(step)) return [];
    return [{ step, ...(reached.get(step) ?? PASSED[step](facts)) }];
  });
}

function isRuleStep(step: TraceStepName): step is RuleStep {
  return step in PASSED;
}
