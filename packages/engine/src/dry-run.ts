import { sql } from "drizzle-orm";
import {
  addCounts,
  emptyCounts,
  pageKeys,
  parseListingRecord,
  planPage,
  shouldHoldRemovals,
  REMOVAL_REASONS,
  type AppliedOutcome,
  type ChangedField,
  type OutcomeCounts,
  type SyncSource,
} from "@uas/domain";
import type { Db } from "@uas/db";
import type { ListingFactory } from "./ports";
import { FacilityNotFoundError } from "./passes";
import {
  loadFacilityContext,
  loadLocationMap,
  mirroredIntegrations,
  planSettingsFor,
  withOverride,
  type SettingsOverride,
} from "./source-context";
import { loadRows } from "./row-store";
import { drizzleHandle } from "./store-handle";

export type DryRunSampleItem = {
  externalId: string;
  name: string;
  reason: string | null;
  changes: ChangedField[] | null;
};

export type DryRunResult = {
  /** What a pass would count, Disabled including the removals the sweep would infer. */
  counts: OutcomeCounts;
  samples: Record<AppliedOutcome, DryRunSampleItem[]>;
  recordsRead: number;
  /** The mass-disable brake would hold the pass instead of disabling `counts.disabled` people. */
  wouldHold: boolean;
};

export type DryRunInput = {
  db: Db;
  facilityId: string;
  source: SyncSource;
  listingFor: ListingFactory;
  now: number;
  /** Preview a settings change, e.g. another Require identifier, before saving it. */
  settingsOverride?: SettingsOverride;
  sampleSize?: number;
};

/**
 * The pass computed without writing: the same listing reads and the same page plan, no row, entry or
 * pass written. It keeps the external ids it met in memory to infer removals, so it reads every page
 * in one call; it is a preview, not a pass.
 */
export async function dryRunPass(input: DryRunInput): Promise<DryRunResult> {
  const { db, source } = input;
  const sampleSize = input.sampleSize ?? 10;
  const stored = await loadFacilityContext(db, input.facilityId);
  if (!stored) throw new FacilityNotFoundError(input.facilityId);
  const context = withOverride(stored, input.settingsOverride);
  const counts = emptyCounts();
  const samples: DryRunResult["samples"] = { added: [], updated: [], skipped: [], disabled: [], processed: [] };
  const seen = new Map<string, Set<string>>();
  let recordsRead = 0;

  const targets = source === "integration" ? mirroredIntegrations(context) : [null];
  for (const integrationId of targets) {
    const listing = input.listingFor({ facilityId: input.facilityId, source, integrationId });
    const locationMap = integrationId === null ? null : await loadLocationMap(db, integrationId);
    const scope = { facilityId: input.facilityId, source, integrationId };
    const seenHere = new Set<string>();
    seen.set(integrationId ?? "", seenHere);
    let cursor: string | null = null;
    do {
      const page = await listing.fetchPage(cursor);
      const records = page.records.map((raw) => parseListingRecord(source, raw));
      const rows = await loadRows(drizzleHandle(db), scope, pageKeys(records));
      const plan = planPage({
        source,
        facility: context.facility,
        settings: planSettingsFor(context, source, integrationId),
        locationMap,
        records,
        existingRows: rows,
        now: input.now,
      });
      addCounts(counts, plan.counts);
      for (const entry of plan.entries) {
        const bucket = samples[entry.outcome];
        if (bucket.length < sampleSize)
          bucket.push({ externalId: entry.externalId, name: entry.name, reason: entry.reason, changes: entry.changes });
      }
      for (const write of plan.writes) seenHere.add(write.externalId);
      for (const mark of plan.marks) seenHere.add(mark.externalId);
      recordsRead += page.records.length;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  const sourceOn = planSettingsFor(context, source, null).sourceEnabled;
  let wouldHold = false;
  if (sourceOn) {
    const removals = await unseenActiveRows(db, input.facilityId, source, seen);
    counts.disabled += removals.length;
    for (const row of removals.slice(0, Math.max(0, sampleSize - samples.disabled.length))) {
      samples.disabled.push({
        ...row,
        reason: REMOVAL_REASONS.absentFromListing,
        changes: [{ field: "removedAtSource", from: false, to: true }],
      });
    }
    const [active] = await db.all<{ n: number }>(sql`
      SELECT count(*) AS n FROM access_user WHERE facility_id = ${input.facilityId} AND source = ${source} AND removed_at_source_at IS NULL`);
    wouldHold = shouldHoldRemovals({
      candidates: removals.length,
      activeRows: active?.n ?? 0,
      percent: context.massDisablePercent,
      minimum: context.massDisableMinimum,
    });
  }
  return { counts, samples, recordsRead, wouldHold };
}

async function unseenActiveRows(db: Db, facilityId: string, source: SyncSource, seen: Map<string, Set<string>>) {
  const removals: { externalId: string; name: string }[] = [];
  for (const [integrationKey, keys] of seen) {
    const [result] = await db.all<{ rows: string }>(sql`
      SELECT json_group_array(json_array(external_id, trim(first_name || ' ' || last_name))) AS rows FROM access_user
      WHERE facility_id = ${facilityId} AND source = ${source} AND integration_key = ${integrationKey}
        AND removed_at_source_at IS NULL AND track_source_updates = 1`);
    for (const [externalId, name] of JSON.parse(result?.rows ?? "[]") as [string, string][]) {
      if (!keys.has(externalId)) removals.push({ externalId, name });
    }
  }
  return removals;
}
