import type { DbOrTx } from "../database";
import { auditEntry } from "../schema";

export type NewAuditEntry = typeof auditEntry.$inferInsert;

/** Records who did what (an admin action worth answering for later: a secret shown, a bulk delete). */
export async function recordAudit(db: DbOrTx, entry: NewAuditEntry) {
  await db.insert(auditEntry).values(entry);
}
