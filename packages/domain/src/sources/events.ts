import { SOURCE_KINDS, type SyncSource } from "./kinds";

/**
 * A person fetched one at a time ("Sync this person now") as the kind's webhook event: the record as an
 * upsert, or, when the source answered 404, a removal (at `locationIds`, where the kind has locations).
 */
export function fetchedPersonEvent(input: {
  source: SyncSource;
  externalId: string;
  record: unknown | null;
  now: number;
  locationIds: string[];
}): { type: string; data: unknown } {
  const kind = SOURCE_KINDS[input.source];
  if (input.record !== null) return { type: kind.events.upsert, data: input.record };
  const data: Record<string, unknown> = { [kind.idField]: input.externalId };
  if (kind.facilityFrom === "locations") data.location_ids = input.locationIds;
  data.updated_at = new Date(input.now).toISOString();
  return { type: kind.events.removal, data };
}
