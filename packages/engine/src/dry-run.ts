import {
  addCounts,
  emptyCounts,
  isIntegrationScoped,
  pageKeys,
  parseListingRecord,
  planPage,
  decidePassEnd,
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
import { readSweep, sampleSweepCandidates, type SweepScope } from "./sweep";

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
  /** A brake (source-anomaly or mass-disable) would hold the pass instead of disabling `counts.disabled` people. */
  wouldHold: boolean;
  /** The source-anomaly brake's reason when it is the one that would hold ("The listing returned 0 people; …"). */
  holdReason: string | null;
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
  let pagesRead = 0;

  const targets = isIntegrationScoped(source) ? mirroredIntegrations(context) : [null];
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
      pagesRead += 1;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  const sourceOn = planSettingsFor(context, source, null).sourceEnabled;
  let wouldHold = false;
  let holdReason: string | null = null;
  if (sourceOn) {
    // The pass end's own sweep (sweep.ts), with the people the listings named instead of rows marked seen.
    const scope: SweepScope = {
      facilityId: input.facilityId,
      source,
      integrationKeys: [...seen.keys()],
      passId: "",
      passStartedAt: null,
      listed: new Map([...seen].map(([key, ids]) => [key, [...ids]])),
    };
    const { candidateRowids, activeRows } = await readSweep(db, scope);
    counts.disabled += candidateRowids.length;
    for (const row of await sampleSweepCandidates(db, scope, sampleSize - samples.disabled.length)) {
      samples.disabled.push({
        ...row,
        reason: REMOVAL_REASONS.absentFromListing,
        changes: [{ field: "removedAtSource", from: false, to: true }],
      });
    }
    const decision = decidePassEnd({
      candidates: candidateRowids.length,
      activeRows,
      percent: context.massDisablePercent,
      minimum: context.massDisableMinimum,
      listing: { listed: recordsRead, pages: pagesRead, pageSize: 0 },
    });
    wouldHold = decision.action === "hold";
    holdReason = decision.action === "hold" && decision.brake === "anomaly" ? decision.anomaly.reason : null;
  }
  return { counts, samples, recordsRead, wouldHold, holdReason };
}
