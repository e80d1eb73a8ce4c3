import { and, asc, eq, lt, sql, type SQL } from "drizzle-orm";
import {
  INTEGRATION_SOURCE,
  SOURCE_KINDS,
  parseSenderKey,
  targetFacilityId,
  type SourceTarget,
  senderKey,
  sourceTarget,
  senderId,
  targetIntegrationId,
} from "@uas/domain";
/**
 * The webhook inbox's whole lifecycle: a webhook is stored once (`storeInboxRow`), handed to the queue
 * (`markInboxEnqueued`), claimed and applied in the same write transaction as its changes, or failed with
 * its reason (`applyInboxEvents`, source-event.ts), dead-lettered after repeated attempts
 * (`deadLetterInboxEvent`), found again when its message was lost (`listStuckInboxRows`), and pruned once
 * applied and old (`pruneAppliedInboxRows`).
 */
import type { Db, DbOrTx, IntegrationSystem } from "@uas/db";
import { activityEntry, PRUNE_BATCH_MAX, webhookInbox } from "@uas/db";

export type WebhookSecrets = { current: string; previous: string | null; previousValidUntil: number | null };

/** A webhook's sender (its kind and id, `SourceTarget`), with its inbox key, organisation and secrets. */
export type WebhookSenderRow = SourceTarget & { sender: string; organisationId: string; secrets: WebhookSecrets };

/** The inbox key of a source (the domain's `senderKey`): `integration:<id>` or `cctv:<facilityId>`. */
export const integrationSender = (integrationId: string) => senderKey(sourceTarget(INTEGRATION_SOURCE, integrationId));
export const cctvSender = (facilityId: string) => senderKey(sourceTarget(SOURCE_KINDS.cctv.id, facilityId));

// The accept path runs on every webhook, so its statements are plain SQL on the client: building them
// with drizzle's query builder cost more CPU than the rest of the request.
type SenderSecretsRow = {
  organisationId: string;
  current: string;
  previous: string | null;
  previousValidUntil: number | null;
};

function secretsOf(row: SenderSecretsRow): WebhookSecrets {
  return {
    current: row.current,
    previous: row.previous,
    previousValidUntil: row.previousValidUntil === null ? null : Number(row.previousValidUntil),
  };
}

export async function findIntegrationSender(db: Db, integrationId: string): Promise<WebhookSenderRow | null> {
  const { rows } = await db.$client.execute({
    sql: `SELECT organisation_id AS organisationId, webhook_secret AS current, previous_webhook_secret AS previous,
        previous_secret_valid_until AS previousValidUntil
      FROM integration WHERE id = ? LIMIT 1`,
    args: [integrationId],
  });
  const row = rows[0] as unknown as SenderSecretsRow | undefined;
  if (!row) return null;
  return {
    ...sourceTarget(INTEGRATION_SOURCE, integrationId),
    sender: integrationSender(integrationId),
    organisationId: row.organisationId,
    secrets: secretsOf(row),
  };
}

/** What the webhook route needs of an integration: its sender (inbox key, secrets) and its system. */
export type IntegrationWebhookTarget = {
  sender: WebhookSenderRow;
  system: IntegrationSystem;
  baseUrl: string;
  /** Sealed JSON of a native system's credentials; null for partners. */
  credentials: string | null;
};

/** One statement on every webhook: the sender's secrets and the integration's system together. */
export async function findIntegrationWebhookTarget(
  db: Db,
  integrationId: string,
): Promise<IntegrationWebhookTarget | null> {
  const { rows } = await db.$client.execute({
    sql: `SELECT organisation_id AS organisationId, webhook_secret AS current, previous_webhook_secret AS previous,
        previous_secret_valid_until AS previousValidUntil, system, base_url AS baseUrl, credentials
      FROM integration WHERE id = ? LIMIT 1`,
    args: [integrationId],
  });
  const row = rows[0] as unknown as
    | {
        organisationId: string;
        current: string;
        previous: string | null;
        previousValidUntil: number | null;
        system: IntegrationSystem;
        baseUrl: string;
        credentials: string | null;
      }
    | undefined;
  if (!row) return null;
  return {
    sender: {
      ...sourceTarget(INTEGRATION_SOURCE, integrationId),
      sender: integrationSender(integrationId),
      organisationId: row.organisationId,
      secrets: secretsOf(row),
    },
    system: row.system,
    baseUrl: row.baseUrl,
    credentials: row.credentials,
  };
}

/** A facility without a CCTV source configured is as unknown to the webhook as a missing one. */
export async function findCctvSender(db: Db, facilityId: string): Promise<WebhookSenderRow | null> {
  const { rows } = await db.$client.execute({
    sql: `SELECT f.organisation_id AS organisationId, c.webhook_secret AS current, c.previous_webhook_secret AS previous,
        c.previous_secret_valid_until AS previousValidUntil
      FROM cctv_source c JOIN facility f ON f.id = c.facility_id WHERE c.facility_id = ? LIMIT 1`,
    args: [facilityId],
  });
  const row = rows[0] as unknown as SenderSecretsRow | undefined;
  if (!row) return null;
  return {
    ...sourceTarget(SOURCE_KINDS.cctv.id, facilityId),
    sender: cctvSender(facilityId),
    organisationId: row.organisationId,
    secrets: secretsOf(row),
  };
}

export type NewInboxRow = {
  sender: WebhookSenderRow;
  webhookId: string;
  payload: string;
  receivedAt: number;
};

/**
 * Stores a webhook once: one `INSERT … ON CONFLICT DO NOTHING` on the primary key (sender, webhook id),
 * so two concurrent deliveries of one id cannot both be stored (rows affected says which). With `stamp`,
 * the sender's last-webhook time (the admin's health line) is set in the same atomic batch; the receiver
 * asks for it at most every few seconds per sender, so the accept path is usually the one statement.
 */
export async function storeInboxRow(
  db: Db,
  row: NewInboxRow,
  options: { stamp: boolean },
): Promise<{ stored: boolean }> {
  const insert = {
    sql: `INSERT INTO webhook_inbox (sender, webhook_id, organisation_id, received_at, payload, state, attempts)
      VALUES (?, ?, ?, ?, ?, 'received', 0) ON CONFLICT DO NOTHING`,
    args: [row.sender.sender, row.webhookId, row.sender.organisationId, row.receivedAt, row.payload],
  };
  if (!options.stamp) return { stored: (await db.$client.execute(insert)).rowsAffected === 1 };
  const integrationId = targetIntegrationId(row.sender);
  const touch =
    integrationId !== null
      ? { sql: "UPDATE integration SET last_webhook_at = ? WHERE id = ?", args: [row.receivedAt, integrationId] }
      : {
          sql: "UPDATE cctv_source SET last_webhook_at = ? WHERE facility_id = ?",
          args: [row.receivedAt, senderId(row.sender)],
        };
  const [inserted] = await db.$client.batch([insert, touch], "write");
  return { stored: inserted?.rowsAffected === 1 };
}

/** Marks rows as handed to the queue; never moves a row back from applied or failed. */
export async function markInboxEnqueued(db: Db, keys: { sender: string; webhookId: string }[]) {
  if (keys.length === 0) return;
  await db.$client.execute({
    sql: `UPDATE webhook_inbox SET state = 'enqueued'
      WHERE state = 'received' AND (sender, webhook_id) IN (SELECT value->>0, value->>1 FROM json_each(?))`,
    args: [JSON.stringify(keys.map((key) => [key.sender, key.webhookId]))],
  });
}

export async function getInboxRow(db: DbOrTx, key: { sender: string; webhookId: string }) {
  const [row] = await db
    .select()
    .from(webhookInbox)
    .where(and(eq(webhookInbox.sender, key.sender), eq(webhookInbox.webhookId, key.webhookId)))
    .limit(1);
  return row ?? null;
}

/** A row that can never apply (its sender is gone, its payload fails the contract): kept with the reason. */
export async function markInboxFailed(db: DbOrTx, key: { sender: string; webhookId: string }, error: string) {
  await db
    .update(webhookInbox)
    .set({ state: "failed", appliedAt: null, error })
    .where(and(eq(webhookInbox.sender, key.sender), eq(webhookInbox.webhookId, key.webhookId)));
}

/**
 * Rows whose message may be lost, oldest first: stored but never handed to the queue (the enqueue after
 * the 202 failed), or handed over long ago and still not applied (a message lost on its way; the claim
 * makes a second delivery harmless).
 */
export async function listStuckInboxRows(
  db: DbOrTx,
  input: { receivedBefore: number; handedOverBefore: number; limit: number },
) {
  const stuck = (state: "received" | "enqueued", before: number) =>
    db
      .select({ sender: webhookInbox.sender, webhookId: webhookInbox.webhookId, receivedAt: webhookInbox.receivedAt })
      .from(webhookInbox)
      .where(and(eq(webhookInbox.state, state), lt(webhookInbox.receivedAt, before)))
      .orderBy(asc(webhookInbox.receivedAt))
      .limit(input.limit);
  const rows = [
    ...(await stuck("received", input.receivedBefore)),
    ...(await stuck("enqueued", input.handedOverBefore)),
  ];
  return rows
    .sort((a, b) => a.receivedAt - b.receivedAt)
    .slice(0, input.limit)
    .map(({ sender, webhookId }) => ({ sender, webhookId }));
}

/** How long an applied webhook's raw body (people's data) is kept: long past any partner retry. */
export const INBOX_RETENTION_DAYS = 14;

/**
 * One bounded step of the inbox retention: deletes at most `batchSize` applied rows received more than
 * `retentionDays` ago, oldest first, in one statement that walks the (state, received_at) index; `more`
 * says a further step may find more. Rows that failed, or are not applied yet, stay: an operator decides
 * about those.
 */
const inboxCutoff = (now: number, retentionDays = INBOX_RETENTION_DAYS) => now - retentionDays * 86_400_000;

/** Whether an applied inbox row is past its retention (the cron sends the prune only then). */
export function appliedInboxPruneDue(now: number): SQL {
  return sql`EXISTS (SELECT 1 FROM webhook_inbox WHERE state = 'applied' AND received_at < ${inboxCutoff(now)})`;
}

export async function pruneAppliedInboxRows(input: {
  db: DbOrTx;
  now: number;
  retentionDays?: number;
  batchSize?: number;
}): Promise<{ deleted: number; more: boolean }> {
  const cutoff = inboxCutoff(input.now, input.retentionDays);
  const batchSize = Math.min(input.batchSize ?? PRUNE_BATCH_MAX, PRUNE_BATCH_MAX);
  const result = await input.db.run(sql`
    DELETE FROM webhook_inbox WHERE rowid IN (
      SELECT rowid FROM webhook_inbox WHERE state = 'applied' AND received_at < ${cutoff} ORDER BY received_at LIMIT ${batchSize})`);
  return { deleted: result.rowsAffected, more: result.rowsAffected === batchSize };
}

/** The person's id in a stored event, by the kind's id field ("" when the payload does not name one). */
function externalIdOf(payload: string, idField: string): string {
  try {
    const data = (JSON.parse(payload) as { data?: Record<string, unknown> }).data;
    const id = data?.[idField];
    return typeof id === "string" ? id : "";
  } catch {
    return "";
  }
}

/**
 * The end of the line for a stored webhook whose apply kept failing: a Failed entry in the activity log
 * (where people look, so nothing fails silently) and the inbox row failed with the reason (an operator
 * can re-drive it), in one transaction. A row already applied or failed is left as it is.
 */
export async function deadLetterInboxEvent(
  db: Db,
  input: { key: { sender: string; webhookId: string }; reason: string; now: number },
): Promise<void> {
  const row = await getInboxRow(db, input.key);
  if (!row || row.state === "applied" || row.state === "failed") return;
  const sender = parseSenderKey(input.key.sender);
  await db.transaction(async (tx) => {
    if (sender)
      await tx.insert(activityEntry).values({
        at: input.now,
        organisationId: row.organisationId,
        facilityId: targetFacilityId(sender),
        source: sender.source,
        integrationId: targetIntegrationId(sender),
        externalId: externalIdOf(row.payload, SOURCE_KINDS[sender.source].idField),
        outcome: "failed",
        reason: input.reason,
        webhookId: input.key.webhookId,
      });
    await markInboxFailed(tx, input.key, input.reason);
  });
}
