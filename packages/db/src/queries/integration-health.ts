import { and, desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { webhookInbox } from "../schema";

/**
 * The newest change an integration's event stream delivered (a webhook or a polled delta, ADR 0018):
 * when it was received and the source's `updated_at` it carried. Read for the Integrations page's health;
 * null when the inbox holds nothing for the sender (never received, or pruned).
 */
export async function lastInboxDelta(
  db: DbOrTx,
  organisationId: string,
  sender: string,
): Promise<{ receivedAt: number; sourceUpdatedAt: number | null } | null> {
  const [row] = await db
    .select({
      receivedAt: webhookInbox.receivedAt,
      updatedAt: sql<string | null>`json_extract(${webhookInbox.payload}, '$.data.updated_at')`,
    })
    .from(webhookInbox)
    .where(and(eq(webhookInbox.sender, sender), eq(webhookInbox.organisationId, organisationId)))
    .orderBy(desc(webhookInbox.receivedAt))
    .limit(1);
  if (!row) return null;
  const parsed = row.updatedAt === null ? Number.NaN : Date.parse(row.updatedAt);
  return { receivedAt: row.receivedAt, sourceUpdatedAt: Number.isNaN(parsed) ? null : parsed };
}
