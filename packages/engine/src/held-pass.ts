import { eq } from "drizzle-orm";
import { decideHeldPass } from "@uas/domain";
import type { Db } from "@uas/db";
import { syncPass } from "@uas/db";
import { getPass, progressOf, type SyncPassRow } from "./passes";
import { sweepScopeOf } from "./finish-pass";
import { applySweep } from "./sweep";
import { drizzleHandle } from "./store-handle";
import { passInvitationStatements } from "./invitation-outbox";

export class PassNotHeldError extends Error {
  constructor(passId: string) {
    super(`Sync pass ${passId} is not held`);
    this.name = "PassNotHeldError";
  }
}

/**
 * An admin's decision on a held pass. Allow re-checks every candidate: only rows still unseen, still
 * active, and unchanged since the hold are disabled. Reject disables nobody.
 */
export async function resolveHeldPass(input: {
  db: Db;
  passId: string;
  decision: "allow" | "reject";
  now: number;
}): Promise<SyncPassRow> {
  return input.db.transaction(async (tx) => {
    const pass = await getPass(tx, input.passId);
    if (pass?.state !== "held") throw new PassNotHeldError(input.passId);
    const sweep = await sweepScopeOf(tx, pass);
    const decision = decideHeldPass(input.decision, sweep?.sourceOn === true);
    let disabled = 0;
    if (decision.disable && sweep) {
      const heldAt = progressOf(pass).heldAt ?? pass.endedAt ?? input.now;
      disabled = await applySweep(
        tx,
        { ...sweep.scope, unchangedSince: heldAt },
        { organisationId: sweep.context.facility.organisationId, now: input.now },
      );
    }
    // Either way the pass completes: Auto-send's end-of-pass step runs now, as for any complete pass.
    if (decision.invite && sweep)
      await drizzleHandle(tx).script(passInvitationStatements({ ...sweep.scope, source: pass.source, now: input.now }));
    const [resolved] = await tx
      .update(syncPass)
      .set({ state: decision.state, reason: decision.reason, disabled: pass.disabled + disabled })
      .where(eq(syncPass.id, pass.id))
      .returning();
    return resolved as SyncPassRow;
  });
}
