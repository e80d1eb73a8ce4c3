import { eq } from "drizzle-orm";
import type { Db } from "@uas/db";
import { syncPass } from "@uas/db";
import { getPass, progressOf, type SyncPassRow } from "./passes";
import { sweepScopeOf } from "./finish-pass";
import { applySweep } from "./sweep";
import { drizzleHandle } from "./store-handle";
import { passInvitationStatements } from "./invitation-outbox";

export const HELD_ALLOWED_REASON = "Held removals allowed by an admin";
export const HELD_REJECTED_REASON = "Held removals rejected by an admin";

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
    let disabled = 0;
    const sweep = await sweepScopeOf(tx, pass);
    if (input.decision === "allow") {
      const heldAt = progressOf(pass).heldAt ?? pass.endedAt ?? input.now;
      if (sweep?.sourceOn) {
        disabled = await applySweep(
          tx,
          { ...sweep.scope, unchangedSince: heldAt },
          { organisationId: sweep.context.facility.organisationId, now: input.now },
        );
      }
    }
    // Either way the pass completes: Auto-send's end-of-pass step runs now, as for any complete pass.
    if (sweep?.sourceOn)
      await drizzleHandle(tx).script(passInvitationStatements({ ...sweep.scope, source: pass.source, now: input.now }));
    const [resolved] = await tx
      .update(syncPass)
      .set({
        state: "complete",
        reason: input.decision === "allow" ? HELD_ALLOWED_REASON : HELD_REJECTED_REASON,
        disabled: pass.disabled + disabled,
      })
      .where(eq(syncPass.id, pass.id))
      .returning();
    return resolved as SyncPassRow;
  });
}
