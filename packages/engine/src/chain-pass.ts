import type { PassTrigger, SyncSource } from "@uas/domain";
import { jsonLiteral, sqlText, type Db } from "@uas/db";
import { FacilityNotFoundError, progressOf, startPass, type PassProgress, type SyncPassRow } from "./passes";
import { drizzleHandle } from "./store-handle";

/** A facility whose pass starts with its chain's: its nightly local day (null for another trigger). */
export type ChainMember = { facilityId: string; nightlyDate: string | null };

export type ChainStart = {
  /** Each member's pass: the one started, the one already running, or the night's pass already done. */
  passes: { facilityId: string; pass: SyncPassRow; started: boolean }[];
  /** The passes to hand a step: one per shared listing (its reader), and any pass reading alone. */
  steps: string[];
};

/**
 * Starts the passes of facilities due together (an organisation's, at one cron) and links the listings
 * they share, so each listing is read once and its pages applied to every one of them (ADR 0020). Each
 * facility still gets its own pass (counts, page records, activity, pass end, brakes), started exactly
 * as `startPass` would; a facility whose pass was already running (a Sync now) or already done tonight
 * is left out of the sharing and reads as before. A facility gone meanwhile is skipped.
 */
export async function startChainPasses(input: {
  db: Db;
  source: SyncSource;
  trigger: PassTrigger;
  members: readonly ChainMember[];
  now: number;
}): Promise<ChainStart> {
  const passes: ChainStart["passes"] = [];
  for (const member of input.members) {
    try {
      const result = await startPass({
        db: input.db,
        facilityId: member.facilityId,
        source: input.source,
        trigger: input.trigger,
        now: input.now,
        nightlyDate: member.nightlyDate,
      });
      passes.push({ facilityId: member.facilityId, ...result });
    } catch (error) {
      if (!(error instanceof FacilityNotFoundError)) throw error;
    }
  }
  const started = passes.filter((p) => p.started).map((p) => p.pass);
  const { linked, steps } = shareListings(started);
  if (linked.size > 0) {
    // One statement: each linked pass's progress, by id, only while it is still running.
    await drizzleHandle(input.db).script([
      sqlText`UPDATE sync_pass SET progress = (SELECT value FROM json_each(${jsonLiteral(Object.fromEntries(linked))})
          WHERE key = sync_pass.id)
        WHERE state = 'running' AND id IN (SELECT key FROM json_each(${jsonLiteral(Object.fromEntries(linked))}))`,
    ]);
    for (const p of passes) {
      const progress = linked.get(p.pass.id);
      if (progress) p.pass = { ...p.pass, progress };
    }
  }
  return { passes, steps };
}

/**
 * Groups fresh passes by the listings they read: a listing read by more than one gets the same `shared`
 * list on each (sorted by pass id, the first its reader). Steps go to every reader and every pass reading
 * a listing alone; a pass all of whose listings another reads gets none (its reader ends it).
 */
export function shareListings(passes: readonly SyncPassRow[]): {
  linked: Map<string, PassProgress>;
  steps: string[];
} {
  const readers = new Map<string, string[]>();
  for (const pass of [...passes].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    for (const target of progressOf(pass).targets) {
      if (target.integrationId === null) continue;
      const ids = readers.get(target.integrationId) ?? [];
      ids.push(pass.id);
      readers.set(target.integrationId, ids);
    }
  }
  const linked = new Map<string, PassProgress>();
  const steps: string[] = [];
  for (const pass of passes) {
    const progress = progressOf(pass);
    let reads = progress.targets.length === 0;
    const targets = progress.targets.map((target) => {
      const shared = target.integrationId === null ? undefined : readers.get(target.integrationId);
      if (!shared || shared.length < 2) {
        reads = true;
        return target;
      }
      if (shared[0] === pass.id) reads = true;
      return { ...target, shared };
    });
    if (targets.some((t) => t.shared)) linked.set(pass.id, { ...progress, targets });
    if (reads) steps.push(pass.id);
  }
  return { linked, steps };
}
