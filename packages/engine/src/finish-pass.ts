import { eq } from "drizzle-orm";
import { HELD_SAMPLE_SIZE, endOfPass, isIntegrationScoped, type PassEnd } from "@uas/domain";
import type { Db, DbOrTx } from "@uas/db";
import { syncPass } from "@uas/db";
import { getPass, progressOf, type SyncPassRow } from "./passes";
import { loadFacilityContext, planSettingsFor, type FacilitySyncContext } from "./source-context";
import { drizzleHandle } from "./store-handle";
import { passInvitationStatements } from "./invitation-outbox";
import { applySweepTo, readSweep, sampleSweepCandidates, type SweepScope } from "./sweep";

/** The listings a complete pass may sweep: CCTV's, or each integration still mirrored at the end. */
export async function sweepScopeOf(
  db: DbOrTx,
  pass: SyncPassRow,
): Promise<{ scope: SweepScope; context: FacilitySyncContext; sourceOn: boolean } | null> {
  const context = await loadFacilityContext(db, pass.facilityId);
  if (!context) return null;
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

/**
 * After the last page: removals are inferred only now, from complete listings. The source-anomaly
 * brake holds a pass whose listing shrank suspiciously, and the mass-disable brake one that would disable
 * more than the facility's threshold, instead of disabling anyone.
 */
export async function finishPass(db: Db, passId: string, now: number): Promise<SyncPassRow> {
  return db.transaction(async (tx) => {
    const pass = await getPass(tx, passId);
    if (pass?.state !== "running") return pass as SyncPassRow;
    const sweep = await sweepScopeOf(tx, pass);
    const end = async (decision: PassEnd, values: Partial<typeof syncPass.$inferInsert> = {}) => {
      // Auto-send's end-of-pass step, in this transaction (invitation-outbox.ts); with Auto-send off (read
      // in this transaction) its statement could queue nobody, so it is not sent.
      if (decision.invite && sweep?.context.autoSendInvitations) {
        await drizzleHandle(tx).script(passInvitationStatements({ ...sweep.scope, source: pass.source, now }));
      }
      const row = {
        state: decision.state,
        ...(decision.state === "held" ? { heldCount: decision.heldCount } : {}),
        reason: decision.reason,
        ...values,
      };
      const [ended] = await tx
        .update(syncPass)
        .set({ endedAt: now, ...row })
        .where(eq(syncPass.id, pass.id))
        .returning();
      return ended as SyncPassRow;
    };
    if (!sweep) return end(endOfPass({ facilityExists: false }));
    if (!sweep.sourceOn) return end(endOfPass({ facilityExists: true, source: pass.source, sourceOn: false }));
    const { candidateRowids, activeRows } = await readSweep(tx, sweep.scope);
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
    if (decision.state === "held") {
      const sample = await sampleSweepCandidates(tx, sweep.scope, HELD_SAMPLE_SIZE);
      return end(decision, { heldSample: sample, progress: { ...progressOf(pass), heldAt: now } });
    }
    if (!decision.disable) return end(decision);
    const disabled = await applySweepTo(tx, sweep.scope, candidateRowids, {
      organisationId: sweep.context.facility.organisationId,
      now,
    });
    return end(decision, { disabled: pass.disabled + disabled });
  });
}
