import { SOURCE_KINDS, type SyncSource } from "../sources/kinds";
import type { SourceChange } from "./source-records";
import type { ChangedField, ExistingRow, SyncPatch } from "./ownership";
import { resolveFacilities } from "./locations";
import { REMOVAL_REASONS, SKIP_REASONS } from "./reasons";
import {
  planRecord,
  type AppliedOutcome,
  type PlanFacility,
  type PlanSettings,
  type PlannedChange,
  type RecordWrite,
} from "./plan-record";

export type EventFacility = { facility: PlanFacility; settings: PlanSettings };

export type EventPlanInput = {
  source: SyncSource;
  change: SourceChange;
  /** Integration events: the partner's location id → facility id. CCTV events: null. */
  locationMap: ReadonlyMap<string, string> | null;
  /** CCTV events: the facility the camera system belongs to (the endpoint's). Integration events: null. */
  senderFacilityId: string | null;
  /** The person's rows of this source in the sender's organisation, by facility id. */
  rows: ReadonlyMap<string, ExistingRow>;
  /** Facilities the event may concern (their settings), by id; a facility missing here is left alone. */
  facilities: ReadonlyMap<string, EventFacility>;
  /** Removals remembered for the person where they had no row (their `updated_at`), by facility id. */
  remembered?: ReadonlyMap<string, number>;
  now: number;
};

export type EventPlanEntry = {
  /** null: "No facility on the source record", shown to every facility mirroring the integration. */
  facilityId: string | null;
  externalId: string;
  name: string;
  outcome: AppliedOutcome;
  reason: string | null;
  changes: ChangedField[] | null;
  /** The row's write for this facility, when there is one. */
  write: { write: RecordWrite; patch: SyncPatch } | null;
  /** A removal of a person with no row here: remember its `updated_at` for an older upsert still on its way. */
  rememberRemoval: number | null;
};

export function eventExternalId(change: SourceChange): string {
  return change.kind === "upsert" ? change.person.externalId : change.removal.externalId;
}

function eventName(change: SourceChange): string {
  if (change.kind === "removal") return "";
  return [change.person.firstName?.trim(), change.person.lastName?.trim()].filter(Boolean).join(" ");
}

/**
 * What a source's change is at one facility: a removal stays a removal; an upsert is an upsert where the
 * record's locations map (`mapped`; null for a kind whose facility is the sender's), and a removal
 * ("moved") at a facility that holds the person but is no longer among the record's facilities.
 */
export function changeAtFacility(
  change: SourceChange,
  mapped: readonly string[] | null,
  facilityId: string,
): PlannedChange {
  if (change.kind === "removal")
    return {
      kind: "removal",
      externalId: change.removal.externalId,
      updatedAt: change.removal.updatedAt,
      cause: "removed",
    };
  if (mapped === null || mapped.includes(facilityId)) return { kind: "upsert", person: change.person };
  return { kind: "removal", externalId: change.person.externalId, updatedAt: change.person.updatedAt, cause: "moved" };
}

/**
 * Plans one webhook event for every facility it concerns: for an integration, the facilities its
 * locations map to and every facility already holding the person (one no longer among the record's
 * facilities treats the event as a removal); for CCTV, the endpoint's facility. One entry per facility.
 *
 * Deliveries arrive out of order, so a removal of a person who has no row yet is remembered (still
 * Skipped, rule 3): when an older upsert then adds them, the row is Added already removed at the source,
 * as applying the events in `updated_at` order would have left it.
 */
export function planSourceEvent(input: EventPlanInput): EventPlanEntry[] {
  const { change } = input;
  const externalId = eventExternalId(change);
  let concerned: string[];
  let changeFor: (facilityId: string) => PlannedChange;
  if (SOURCE_KINDS[input.source].facilityFrom === "sender") {
    concerned = input.senderFacilityId === null ? [] : [input.senderFacilityId];
    changeFor = (facilityId) => changeAtFacility(change, null, facilityId);
  } else {
    const locationIds = change.kind === "upsert" ? change.person.locationIds : change.removal.locationIds;
    const mapped = resolveFacilities(locationIds ?? [], input.locationMap ?? new Map());
    concerned = [...new Set([...mapped, ...input.rows.keys()])];
    if (concerned.length === 0) {
      return [
        {
          facilityId: null,
          externalId,
          name: eventName(change),
          outcome: "skipped",
          reason: SKIP_REASONS.noFacility,
          changes: null,
          write: null,
          rememberRemoval: null,
        },
      ];
    }
    changeFor = (facilityId) => changeAtFacility(change, mapped, facilityId);
  }

  const entries: EventPlanEntry[] = [];
  for (const facilityId of concerned) {
    const target = input.facilities.get(facilityId);
    if (!target) continue;
    const planned = changeFor(facilityId);
    let plan = planRecord({
      source: input.source,
      change: planned,
      facility: target.facility,
      settings: target.settings,
      existingRow: input.rows.get(facilityId) ?? null,
      now: input.now,
    });
    const remembered = input.remembered?.get(facilityId) ?? null;
    if (
      planned.kind === "upsert" &&
      plan.outcome === "added" &&
      plan.patch &&
      remembered !== null &&
      remembered > planned.person.updatedAt
    ) {
      plan = {
        ...plan,
        reason: [REMOVAL_REASONS.removedAtSource, plan.reason].filter(Boolean).join("; "),
        patch: { ...plan.patch, removedAtSourceAt: input.now, removalSourceUpdatedAt: remembered },
      };
    }
    const rememberRemoval =
      planned.kind === "removal" &&
      planned.updatedAt !== null &&
      plan.outcome === "skipped" &&
      plan.reason === SKIP_REASONS.noMatchingRow
        ? Math.max(planned.updatedAt, remembered ?? planned.updatedAt)
        : null;
    entries.push({
      facilityId,
      externalId,
      name: plan.name,
      outcome: plan.outcome,
      reason: plan.reason,
      changes: plan.changes.length > 0 ? plan.changes : null,
      write: plan.write && plan.patch ? { write: plan.write, patch: plan.patch } : null,
      rememberRemoval,
    });
  }
  return entries;
}
