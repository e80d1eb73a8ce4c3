import { endPassedGraces } from "@uas/db";
import type { Ctx } from "../../context";

const GRACE_BATCH = 1000;
const GRACE_BATCHES_PER_CRON = 20;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * The cron's share of the access rules (ADR 0010): clears the graces that ended since the last run,
 * at most 20,000 a run, and reports how long after its due moment each was cleared. Access itself ended
 * at the due moment: every read compares the row's grace and paid-until with the clock.
 */
export async function endAccessGraces({ ctx }: { ctx: Ctx }) {
  const { ended, latenessMs } = await endPassedGraces(ctx.db, {
    now: ctx.now(),
    batchSize: GRACE_BATCH,
    maxBatches: GRACE_BATCHES_PER_CRON,
  });
  const sorted = [...latenessMs].sort((a, b) => a - b);
  return {
    ended,
    latenessP50Ms: percentile(sorted, 50),
    latenessP99Ms: percentile(sorted, 99),
    latenessMaxMs: sorted.at(-1) ?? 0,
  };
}
