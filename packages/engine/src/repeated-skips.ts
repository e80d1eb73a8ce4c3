import { jsonLiteral, REPEAT_SOURCE_MS, sqlText } from "@uas/db";
import type { EntryOrigin, EntryToWrite } from "./activity-store";
import { UNMAPPED_ENTRY_ONCE_PER_MS } from "./activity-store";
import type { StoreHandle } from "./store-handle";

/**
 * A person's last written Skipped entry at a facility (or, for "No facility on the source record", of the
 * integration): a pass that skips them again for the same reason derives its entry from this one instead
 * of writing it (ADR 0019, repeated Skipped entries).
 */
export type SkipAnchor = {
  id: number;
  /** The facility, or '' for an unmapped entry. */
  scope: string;
  externalId: string;
  at: number;
  source: string;
  integrationId: string | null;
  passId: string | null;
  name: string;
  reason: string | null;
  userId: string | null;
};

/** Anchors by scope (facility id, or '' for unmapped) then external id. */
export type SkipAnchors = Map<string, Map<string, SkipAnchor>>;

const ANCHOR_COLUMNS = sqlText`a.id AS id, coalesce(a.facility_id, '') AS scope, a.external_id AS externalId, a.at AS at,
  a.source AS source, a.integration_id AS integrationId, a.pass_id AS passId, a.name AS name, a.reason AS reason,
  a.user_id AS userId`;

/**
 * The page's people's last Skipped entries at each facility and, for an integration, their last unmapped
 * entry, written since `since`: one statement, index lookups (a miss for everyone never skipped).
 */
export async function loadSkipAnchors(
  tx: StoreHandle,
  input: {
    facilityIds: readonly string[];
    integrationId: string | null;
    externalIds: readonly string[];
    since: number;
  },
): Promise<SkipAnchors> {
  const anchors: SkipAnchors = new Map();
  if (input.externalIds.length === 0) return anchors;
  const keys = jsonLiteral(input.externalIds);
  const facilityAnchors = sqlText`SELECT ${ANCHOR_COLUMNS} FROM json_each(${jsonLiteral(input.facilityIds)}) f
    JOIN json_each(${keys}) k JOIN activity_entry a ON a.id = (SELECT x.id FROM activity_entry x
      WHERE x.facility_id = f.value AND x.external_id = k.value AND x.outcome = 'skipped' ORDER BY x.id DESC LIMIT 1)
    WHERE a.at >= ${input.since}`;
  const unmappedAnchors =
    input.integrationId === null
      ? sqlText``
      : sqlText` UNION ALL SELECT ${ANCHOR_COLUMNS} FROM json_each(${keys}) k
    JOIN activity_entry a ON a.id = (SELECT x.id FROM activity_entry x WHERE x.integration_id = ${input.integrationId}
      AND x.facility_id IS NULL AND x.external_id = k.value ORDER BY x.at DESC LIMIT 1)
    WHERE a.at >= ${input.since}`;
  const rows = await tx.all<SkipAnchor>(sqlText`${facilityAnchors}${unmappedAnchors}`);
  for (const row of rows) {
    const scoped = anchors.get(row.scope) ?? new Map<string, SkipAnchor>();
    scoped.set(row.externalId, row);
    anchors.set(row.scope, scoped);
  }
  return anchors;
}

/**
 * The written entry a pass's Skipped entry repeats, if it says the same (ADR 0019): a pass's Skipped entry
 * of the same source, integration, name, reason and row, written within REPEAT_SOURCE_MS (after it, the
 * next one is written again; the retention keeps a pass's Skipped entries as much longer). An unmapped
 * entry written in the last 12 hours is tonight's, which this facility's log already shows: the pass then
 * writes nothing (activity-store.ts), so it is not repeated either.
 */
export function repeatedAnchor(
  entry: EntryToWrite,
  origin: EntryOrigin,
  anchors: SkipAnchors | undefined,
): SkipAnchor | null {
  if (entry.outcome !== "skipped" || origin.passId === null || !anchors) return null;
  const anchor = anchors.get(entry.facilityId ?? "")?.get(entry.externalId);
  if (!anchor || anchor.passId === null) return null;
  const same =
    anchor.source === origin.source &&
    anchor.integrationId === origin.integrationId &&
    anchor.name === entry.name &&
    anchor.reason === entry.reason &&
    anchor.userId === entry.userId &&
    anchor.at >= origin.at - REPEAT_SOURCE_MS;
  if (!same) return null;
  if (entry.facilityId === null && anchor.at >= origin.at - UNMAPPED_ENTRY_ONCE_PER_MS) return null;
  return anchor;
}
