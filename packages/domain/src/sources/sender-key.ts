import { SOURCE_KINDS, type SyncSource, isSyncSource } from "./kinds";

/**
 * Who a record or webhook comes from: a connected integration (its id) or a facility's own source (the
 * facility's id), by the kind's `senderScope`.
 */
export type SourceTarget = { source: "integration"; integrationId: string } | { source: "cctv"; facilityId: string };

/** The sender's id: the integration's or the facility's. */
export function senderId(target: SourceTarget): string {
  return "integrationId" in target ? target.integrationId : target.facilityId;
}

/** The target of a kind from its sender's id. */
export function sourceTarget(source: SyncSource, id: string): SourceTarget {
  return SOURCE_KINDS[source].senderScope === "integration"
    ? ({ source, integrationId: id } as SourceTarget)
    : ({ source, facilityId: id } as SourceTarget);
}

/** The integration a target belongs to, or null for a facility-scoped kind. */
export function targetIntegrationId(target: SourceTarget): string | null {
  return "integrationId" in target ? target.integrationId : null;
}

/** The facility a facility-scoped target names, or null for an integration. */
export function targetFacilityId(target: SourceTarget): string | null {
  return "facilityId" in target ? target.facilityId : null;
}

/**
 * The inbox key of a sender: `<kind>:<id>` (`integration:<integrationId>`, `cctv:<facilityId>`). The one
 * place it is built; `parseSenderKey` the one place it is read.
 */
export function senderKey(target: SourceTarget): string {
  return `${target.source}:${senderId(target)}`;
}

/** The target a sender key names, or null when it names no known kind or no id. */
export function parseSenderKey(key: string): SourceTarget | null {
  const separator = key.indexOf(":");
  if (separator < 0) return null;
  const kind = key.slice(0, separator);
  const id = key.slice(separator + 1);
  if (!id || !isSyncSource(kind)) return null;
  return sourceTarget(kind, id);
}
