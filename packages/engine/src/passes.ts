import { and, eq, inArray, sql } from "drizzle-orm";
import {
  STALE_PASS_REASON,
  SUPERSEDED_HOLD_REASON,
  isIntegrationScoped,
  isPassStale,
  stalledBefore,
  type PassTrigger,
  type SyncSource,
} from "@uas/domain";
import type { Db, DbOrTx, SqlText } from "@uas/db";
import { jsonLiteral, sqlText, syncPass } from "@uas/db";
import { newId } from "@uas/db";
import { isUniqueViolation } from "@uas/db";
import { contextStatement, contextsFrom, idList, mirroredIntegrations } from "./source-context";
import { passRowFrom } from "./pass-row";
import { withPipelinedWriteTransaction } from "./store-handle";

export type SyncPassRow = typeof syncPass.$inferSelect;

/** One listing a pass reads: CCTV's (integrationId null) or one mirrored integration's. */
export type PassTarget = {
  integrationId: string | null;
  cursor: string | null;
  done: boolean;
  /**
   * A chain's nightly passes (ADR 0020): the passes reading this listing together, its reader first.
   * Each page is read once and applied to every one of them; each keeps its own cursor here.
   */
  shared?: string[];
};
export type PassProgress = {
  targets: PassTarget[];
  lastStepAt: number;
  /** When the brake held the pass: allowing it later only removes rows unchanged since. */
  heldAt?: number;
};

export function progressOf(pass: Pick<SyncPassRow, "progress" | "startedAt">): PassProgress {
  const progress = pass.progress as Partial<PassProgress> | null;
  return {
    targets: progress?.targets ?? [],
    lastStepAt: progress?.lastStepAt ?? pass.startedAt,
    ...(progress?.heldAt !== undefined ? { heldAt: progress.heldAt } : {}),
  };
}

export class FacilityNotFoundError extends Error {
  constructor(facilityId: string) {
    super(`Facility ${facilityId} not found`);
    this.name = "FacilityNotFoundError";
  }
}

async function runningPass(db: DbOrTx, facilityId: string, source: SyncSource) {
  const [row] = await db
    .select()
    .from(syncPass)
    .where(and(eq(syncPass.facilityId, facilityId), eq(syncPass.source, source), eq(syncPass.state, "running")))
    .limit(1);
  return row;
}

export type StartPassInput = {
  db: Db;
  facilityId: string;
  source: SyncSource;
  trigger: PassTrigger;
  now: number;
  /** Nightly passes: the facility-local day; a day's pass starts once. */
  nightlyDate?: string | null;
};

/**
 * Starts a full pass, or returns the one already running for this facility and source ("Sync now"
 * while one runs returns the running one). A held pass of the same source is discarded: the new
 * pass derives removals again from a fresh listing.
 */
export async function startPass(input: StartPassInput): Promise<{ pass: SyncPassRow; started: boolean }> {
  const { db, facilityId, source, now } = input;
  try {
    // Two round trips holding the write lock: BEGIN with the reads, then the writes with COMMIT.
    return await withPipelinedWriteTransaction(db, async (handle) => {
      // One read for the three questions (a running pass, tonight's pass, a held one to discard), and the
      // facility's context beside it.
      const tonight = input.nightlyDate ? sqlText` OR nightly_date = ${input.nightlyDate}` : sqlText``;
      const [raw, contexts] = await Promise.all([
        handle.all<Record<string, unknown>>(
          sqlText`SELECT * FROM sync_pass WHERE facility_id = ${facilityId} AND source = ${source}
            AND (state IN ('running', 'held')${tonight})`,
        ),
        handle.all(contextStatement(idList([facilityId]))),
      ]);
      const rows = raw.map(passRowFrom);
      const writes: SqlText[] = [];
      const running = rows.find((row) => row.state === "running");
      if (running) {
        if (!isPassStale(progressOf(running).lastStepAt, now)) return { pass: running, started: false };
        writes.push(
          sqlText`UPDATE sync_pass SET state = 'failed', reason = ${STALE_PASS_REASON}, ended_at = ${now}
            WHERE id = ${running.id}`,
        );
        Object.assign(running, { state: "failed", reason: STALE_PASS_REASON, endedAt: now });
      }
      if (input.nightlyDate) {
        const done = rows.find((row) => row.nightlyDate === input.nightlyDate);
        if (done) {
          await handle.script(writes);
          return { pass: done, started: false };
        }
      }
      const context = contextsFrom(contexts).get(facilityId);
      if (!context) throw new FacilityNotFoundError(facilityId);
      if (rows.some((row) => row.state === "held")) {
        writes.push(
          sqlText`UPDATE sync_pass SET state = 'complete', reason = ${SUPERSEDED_HOLD_REASON}
            WHERE facility_id = ${facilityId} AND source = ${source} AND state = 'held'`,
        );
      }
      const integrations = isIntegrationScoped(source) ? mirroredIntegrations(context) : [null];
      const progress: PassProgress = {
        targets: integrations.map((integrationId) => ({ integrationId, cursor: null, done: false })),
        lastStepAt: now,
      };
      const pass: SyncPassRow = {
        id: newId("pas"),
        facilityId,
        source,
        trigger: input.trigger,
        state: "running",
        reason: null,
        nightlyDate: input.nightlyDate ?? null,
        startedAt: now,
        endedAt: null,
        added: 0,
        updated: 0,
        skipped: 0,
        disabled: 0,
        processed: 0,
        pagesDone: 0,
        recordsDone: 0,
        progress,
        heldCount: null,
        heldSample: null,
      };
      writes.push(
        sqlText`INSERT INTO sync_pass (id, facility_id, source, trigger, state, nightly_date, started_at, progress)
          VALUES (${pass.id}, ${facilityId}, ${source}, ${pass.trigger}, 'running', ${pass.nightlyDate}, ${now},
            ${jsonLiteral(progress)})`,
      );
      await handle.script(writes);
      return { pass, started: true };
    });
  } catch (error) {
    // Another starter won the race: the partial unique index admits one running pass.
    if (!isUniqueViolation(error)) throw error;
    const running = await runningPass(db, facilityId, source);
    if (running) return { pass: running, started: false };
    if (input.nightlyDate) {
      const [done] = await db
        .select()
        .from(syncPass)
        .where(
          and(
            eq(syncPass.facilityId, facilityId),
            eq(syncPass.source, source),
            eq(syncPass.nightlyDate, input.nightlyDate),
          ),
        )
        .limit(1);
      if (done) return { pass: done, started: false };
    }
    throw error;
  }
}

/** Ends a running pass as failed. Its committed pages stand (they were idempotent upserts); nobody is removed. */
export async function failPass(input: { db: DbOrTx; passId: string; reason: string; now: number }): Promise<void> {
  await failPasses({ db: input.db, passIds: [input.passId], reason: input.reason, now: input.now });
}

/** failPass for the passes of a shared listing at once (ADR 0020). */
export async function failPasses(input: { db: DbOrTx; passIds: string[]; reason: string; now: number }): Promise<void> {
  await input.db
    .update(syncPass)
    .set({ state: "failed", reason: input.reason, endedAt: input.now })
    .where(and(inArray(syncPass.id, input.passIds), eq(syncPass.state, "running")));
}

export async function getPass(db: DbOrTx, passId: string): Promise<SyncPassRow | undefined> {
  const [row] = await db.select().from(syncPass).where(eq(syncPass.id, passId)).limit(1);
  return row;
}

/**
 * Running passes with no step for a while, oldest first: their continuation message may have been lost
 * (a step enqueues the next one after it commits). Handing them a step again is harmless: a step whose
 * cursor another step already moved leaves that work as it is.
 */
export async function listStalledPasses(db: DbOrTx, input: { now: number; limit: number }): Promise<string[]> {
  const rows = await db.all<{ id: string }>(sql`
    SELECT id FROM sync_pass
    WHERE state = 'running' AND coalesce(json_extract(progress, '$.lastStepAt'), started_at) < ${stalledBefore(input.now)}
    ORDER BY started_at LIMIT ${input.limit}`);
  return rows.map((row) => row.id);
}
