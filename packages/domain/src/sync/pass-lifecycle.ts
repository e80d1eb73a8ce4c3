import { decidePassEnd, type AnomalyPolicy, type ListingShape } from "./anomaly";
import { sourceOffReason } from "./reasons";
import type { SyncSource } from "../vocabulary";

/**
 * A sync pass's lifecycle, as rules: when a running pass is presumed dead or its continuation lost, how
 * it ends, and what an admin's decision on a held pass does. The engine gathers the facts and writes
 * the outcome; these functions decide.
 *
 *   running ──step…──▶ end: failed (facility gone) | complete (source off, nothing to remove, removals
 *   applied) | held (the brake) ──admin──▶ complete (allowed or rejected) | complete (a newer pass
 *   supersedes the hold). A running pass without a step for PASS_STALE_AFTER_MS is failed when the next
 *   pass starts; after PASS_STALLED_AFTER_MS the cron hands it a step again.
 */

/** A running pass with no step for this long is presumed dead (its Worker crashed): the next start fails it. */
export const PASS_STALE_AFTER_MS = 30 * 60_000;
/** A running pass with no step for this long is handed a step again (its continuation message may be lost). */
export const PASS_STALLED_AFTER_MS = 10 * 60_000;

export const STALE_PASS_REASON = "The pass stopped making progress before it finished; nobody was removed";
export const SUPERSEDED_HOLD_REASON = "Held removals discarded: a newer pass started";
export const FACILITY_GONE_REASON = "The facility no longer exists";
export const HELD_ALLOWED_REASON = "Held removals allowed by an admin";
export const HELD_REJECTED_REASON = "Held removals rejected by an admin";

/** Whether a running pass whose last step was at `lastStepAt` is presumed dead at `now`. */
export function isPassStale(lastStepAt: number, now: number): boolean {
  return lastStepAt < now - PASS_STALE_AFTER_MS;
}

/** Running passes whose last step is before this time are stalled (their step is enqueued again). */
export function stalledBefore(now: number): number {
  return now - PASS_STALLED_AFTER_MS;
}

/** What is known when a pass's last listing page is applied. */
export type PassEndFacts =
  | { facilityExists: false }
  | { facilityExists: true; source: SyncSource; sourceOn: false }
  | {
      facilityExists: true;
      source: SyncSource;
      sourceOn: true;
      /** The sweep's candidates and the source's active rows at the facility. */
      candidates: number;
      activeRows: number;
      brake: { percent: number; minimum: number };
      /** The listing as read, for the source-anomaly brake (anomaly.ts); absent for passes not judged by it. */
      listing?: Omit<ListingShape, "syncedRows"> | null;
      anomalyPolicy?: AnomalyPolicy;
    };

/**
 * How a pass ends. `disable`: the candidates are removed and the pass completes. `invite`: Auto-send's
 * end-of-pass step runs (only for a pass that completes with its source on).
 */
export type PassEnd =
  | { state: "failed"; reason: string; disable: false; invite: false }
  | { state: "complete"; reason: string | null; disable: boolean; invite: boolean }
  | { state: "held"; heldCount: number; reason: string | null; disable: false; invite: false };

export function endOfPass(facts: PassEndFacts): PassEnd {
  if (!facts.facilityExists) return { state: "failed", reason: FACILITY_GONE_REASON, disable: false, invite: false };
  // Turning a source off must never disable anyone.
  if (!facts.sourceOn) {
    return {
      state: "complete",
      reason: `${sourceOffReason(facts.source)}, so nobody was removed`,
      disable: false,
      invite: false,
    };
  }
  // Both brakes (the source-anomaly one, then the mass-disable threshold) in one answer.
  const decision = decidePassEnd({
    candidates: facts.candidates,
    activeRows: facts.activeRows,
    percent: facts.brake.percent,
    minimum: facts.brake.minimum,
    listing: facts.listing ?? null,
    ...(facts.anomalyPolicy ? { policy: facts.anomalyPolicy } : {}),
  });
  switch (decision.action) {
    case "complete":
      return { state: "complete", reason: null, disable: false, invite: true };
    case "disable":
      return { state: "complete", reason: null, disable: true, invite: true };
    case "hold":
      return {
        state: "held",
        heldCount: facts.candidates,
        reason: decision.brake === "anomaly" ? decision.anomaly.reason : null,
        disable: false,
        invite: false,
      };
  }
}

/**
 * An admin's decision on a held pass. Either way the pass completes, and with its source still on,
 * Auto-send's end-of-pass step runs; Allow removes the candidates still unchanged since the hold.
 */
export function decideHeldPass(decision: "allow" | "reject", sourceOn: boolean): PassEnd & { state: "complete" } {
  return {
    state: "complete",
    reason: decision === "allow" ? HELD_ALLOWED_REASON : HELD_REJECTED_REASON,
    disable: decision === "allow" && sourceOn,
    invite: sourceOn,
  };
}
