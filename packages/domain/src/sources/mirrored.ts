import { SOURCE_KINDS, type SourceSwitch, type SyncSource, isSourceOn } from "./kinds";
import { type SourceTarget, sourceTarget } from "./sender-key";

/**
 * A facility's choices under "Sync from these integrations": integration id → on/off. A facility gets a
 * row when the integration's location map first names it (on) and keeps it when the admin turns it off;
 * an integration with no row was never mapped here, and the screen shows it off.
 */
export type IntegrationChoices = ReadonlyMap<string, boolean>;

/**
 * "Is this integration mirrored by this facility?", the one answer (product-rules.md: each facility
 * chooses which connected integrations it mirrors; the help page: turning one off stops mirroring its
 * members). Only a choice that is on mirrors: no choice means off, as Sync settings shows it.
 */
export function isMirrored(choices: IntegrationChoices, integrationId: string): boolean {
  return choices.get(integrationId) === true;
}

/** The integrations a facility mirrors, sorted: the listings its integration pass reads. */
export function mirroredIntegrationIds(choices: IntegrationChoices): string[] {
  return [...choices]
    .filter(([, on]) => on)
    .map(([integrationId]) => integrationId)
    .sort();
}

/**
 * Whether a sender's records apply at a facility as far as the facility's choices go (rule 2): a
 * facility-scoped kind always mirrors its own sender; an integration only when opted in.
 */
export function isTargetMirrored(choices: IntegrationChoices, target: SourceTarget): boolean {
  return "integrationId" in target ? isMirrored(choices, target.integrationId) : true;
}

/**
 * What a pass of a kind reads for a facility: each mirrored integration's listing, or the facility's own
 * source. Order is stable (integration ids sorted).
 */
export function listingTargets(source: SyncSource, facilityId: string, choices: IntegrationChoices): SourceTarget[] {
  if (SOURCE_KINDS[source].senderScope === "integration")
    return mirroredIntegrationIds(choices).map((id) => sourceTarget(source, id));
  return [sourceTarget(source, facilityId)];
}

/** A facility's settings as the rules read them for one source. */
export type FacilitySourceSettings = Record<SourceSwitch, boolean> & { integrationChoices: IntegrationChoices };

/** Rule 1 and rule 2's inputs for a record of `source` from `integrationId` (null for facility-scoped). */
export function sourceGates(
  settings: FacilitySourceSettings,
  source: SyncSource,
  integrationId: string | null,
): { sourceEnabled: boolean; integrationEnabled: boolean } {
  return {
    sourceEnabled: isSourceOn(settings, source),
    integrationEnabled: integrationId === null ? true : isMirrored(settings.integrationChoices, integrationId),
  };
}
