import { HELD_SAMPLE_SIZE, endOfPass, isIntegrationScoped, type PassEnd } from "@uas/domain";
import type { Db, DbOrTx, SqlText } from "@uas/db";
import { jsonLiteral, sqlText } from "@uas/db";
import { passRowFrom } from "./pass-row";
import { progressOf, type SyncPassRow } from "./passes";
import {
  contextStatement,
  contextsFrom,
  loadFacilityContext,
  planSettingsFor,
  type FacilitySyncContext,
} from "./source-context";
import { withPipelinedWriteTransaction, type StoreHandle } from "./store-handle";
import { passInvitationStatements } from "./invitation-outbox";
import { readSweep, sampleSweepCandidates, sweepDisableStatements, type SweepScope } from "./sweep";

export type PassSweep = { scope: SweepScope; context: FacilitySyncContext; sourceOn: boolean };

/** The listings a complete pass may sweep: CCTV's, or each integration still mirrored at the end. */
export function sweepScopeFrom(pass: SyncPassRow, context: FacilitySyncContext): PassSweep {
  const progress = progressOf(pass);
  const integrationKeys = !isIntegrationScoped(pass.source)
    ? [""]
    : progress.targets.flatMap((t) =>
        t.integrationId !== null && context.optedIn.get(t.integrationId) === true ? [t.integrationId] : [],
      );
  return {
    scope: {
      facilityId: pass.facilityId,
      source: pass.source,
      integrationKeys,
      passId: pass.id,
      passStartedAt: pass.startedAt,
    },
    context,
    sourceOn: planSettingsFor(context, pass.source, null).sourceEnabled,
  };
}

/** `sweepScopeFrom` with the facility's context read on `db` (null: the facility is gone). */
export async function sweepScopeOf(db: DbOrTx, pass: SyncPassRow): Promise<PassSweep | null> {
  const context = await loadFacilityContext(db, pass.facilityId);
  return context ? sweepScopeFrom(pass, context) : null;
}

/**
 * After the last page: removals are inferred only now, from complete listings. The source-anomaly
 * brake holds a pass whose listing shrank suspiciously, and the mass-disable brake one that would disable
 * more than the facility's threshold, instead of disabling anyone.
 *
 * Runs in the caller's write transaction (`handle`), with the pass and the facility's context as read in
 * it (`context` undefined: the facility is gone): the last page's own transaction when a step reads the
 * listing to its end (apply-pages.ts), or `finishPass`'s. One read (the sweep; a held pass also reads its
 * sample), then the end's writes, which go out with the transaction's COMMIT. Returns the ended pass.
 */
export async function endPassIn(
  handle: StoreHandle,
  input: { pass: SyncPassRow; context: FacilitySyncContext | undefined; now: number },
): Promise<SyncPassRow> {
  const { pass, now } = input;
  const sweep = input.context ? sweepScopeFrom(pass, input.context) : null;
  const end = async (decision: PassEnd, extra: { disabled?: number; heldSample?: unknown[] } = {}) => {
    const statements: SqlText[] = [];
    // Auto-send's end-of-pass step, in this transaction (invitation-outbox.ts); with Auto-send off (read
    // in this transaction) its statement could queue nobody, so it is not sent.
    if (decision.invite && sweep?.context.autoSendInvitations)
      statements.push(...passInvitationStatements({ ...sweep.scope, source: pass.source, now }));
    const held = decision.state === "held";
    const disabled = extra.disabled ?? 0;
    statements.push(
      sqlText`UPDATE sync_pass SET state = ${decision.state}, reason = ${decision.reason}, ended_at = ${now},
        disabled = disabled + ${disabled}${
          held
            ? sqlText`, held_count = ${decision.heldCount}, held_sample = ${jsonLiteral(extra.heldSample ?? [])},
              progress = json_set(coalesce(progress, '{}'), '$.heldAt', ${now})`
            : sqlText``
        }
      WHERE id = ${pass.id}`,
    );
    await handle.script(statements);
    return {
      ...pass,
      state: decision.state,
      reason: decision.reason,
      endedAt: now,
      disabled: pass.disabled + disabled,
      ...(held
        ? {
            heldCount: decision.heldCount,
            heldSample: extra.heldSample ?? [],
            progress: { ...progressOf(pass), heldAt: now },
          }
        : {}),
    } as SyncPassRow;
  };
  if (!sweep) return end(endOfPass({ facilityExists: false }));
  if (!sweep.sourceOn) return end(endOfPass({ facilityExists: true, source: pass.source, sourceOn: false }));
  const { candidateRowids, activeRows } = await readSweep(handle, sweep.scope);
  const decision = endOfPass({
    facilityExists: true,
    source: pass.source,
    sourceOn: true,
    candidates: candidateRowids.length,
    activeRows,
    brake: { percent: sweep.context.massDisablePercent, minimum: sweep.context.massDisableMinimum },
    // The page size is not recorded on the pass, so the "one full page, then nothing" rule is off
    // (pageSize 0); the shrink rules of the source-anomaly brake still apply.
    listing: { listed: pass.recordsDone, pages: pass.pagesDone, pageSize: 0 },
  });
  if (decision.state === "held")
    return end(decision, { heldSample: await sampleSweepCandidates(handle, sweep.scope, HELD_SAMPLE_SIZE) });
  if (!decision.disable) return end(decision);
  // The candidates were read in this write transaction just now: each of them is disabled.
  await handle.script(
    sweepDisableStatements(sweep.scope, candidateRowids, {
      organisationId: sweep.context.facility.organisationId,
      now,
    }),
  );
  return end(decision, { disabled: candidateRowids.length });
}

/**
 * A pass end in a transaction of its own (a chain member's, or a pass whose last page committed without
 * it): the pass and its facility's context go out with BEGIN, then the sweep, then the end with COMMIT.
 */
export async function finishPass(db: Db, passId: string, now: number): Promise<SyncPassRow> {
  return withPipelinedWriteTransaction(db, async (handle) => {
    const [passes, contexts] = await Promise.all([
      handle.all<Record<string, unknown>>(sqlText`SELECT * FROM sync_pass WHERE id = ${passId}`),
      handle.all(contextStatement(sqlText`SELECT facility_id FROM sync_pass WHERE id = ${passId}`)),
    ]);
    const pass = passes[0] ? passRowFrom(passes[0]) : undefined;
    if (pass?.state !== "running") return pass as SyncPassRow;
    return endPassIn(handle, { pass, context: contextsFrom(contexts).get(pass.facilityId), now });
  });
}
