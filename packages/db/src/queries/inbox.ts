import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { cctvSource, facility, integration, webhookInbox } from "../schema";

export type WebhookSecrets = { current: string; previous: string | null; previousValidUntil: number | null };

export type WebhookSenderRow =
  | { source: "integration"; sender: string; integrationId: string; organisationId: string; secrets: WebhookSecrets }
  | { source: "cctv"; sender: string; facilityId: string; organisationId: string; secrets: WebhookSecrets };

/** The inbox key of a source: `integration:<id>` or `cctv:<facilityId>`. */
export const integrationSender = (integrationId: string) => `integration:${integrationId}`;
export const cctvSender = (facilityId: string) => `cctv:${facilityId}`;

export async function findIntegrationSender(db: DbOrTx, integrationId: string): Promise<WebhookSenderRow | null> {
  const [row] = await db
    .select({
      organisationId: integration.organisationId,
      current: integration.webhookSecret,
      previous: integration.previousWebhookSecret,
      previousValidUntil: integration.previousSecretValidUntil,
    })
    .from(integration)
    .where(eq(integration.id, integrationId))
    .limit(1);
  if (!row) return null;
  const { organisationId, ...secrets } = row;
  return { source: "integration", sender: integrationSender(integrationId), integrationId, organisationId, secrets };
}

/** A facility without a CCTV source configured is as unknown to the webhook as a missing one. */
export async function findCctvSender(db: DbOrTx, facilityId: string): Promise<WebhookSenderRow | null> {
  const [row] = await db
    .select({
      organisationId: facility.organisationId,
      current: cctvSource.webhookSecret,
      previous: cctvSource.previousWebhookSecret,
      previousValidUntil: cctvSource.previousSecretValidUntil,
    })
    .from(cctvSource)
    .innerJoin(facility, eq(facility.id, cctvSource.facilityId))
    .where(eq(cctvSource.facilityId, facilityId))
    .limit(1);
  if (!row) return null;
  const { organisationId, ...secrets } = row;
  return { source: "cctv", sender: cctvSender(facilityId), facilityId, organisationId, secrets };
}

export type NewInboxRow = {
  sender: WebhookSenderRow;
  webhookId: string;
  payload: string;
  receivedAt: number;
};

/**
 * Stores a webhook once and stamps the sender's last-webhook time, in one atomic batch. The primary key
 * (sender, webhook id) decides duplicates: `ON CONFLICT DO NOTHING` and the rows affected, so two
 * concurrent deliveries of one id cannot both be stored.
 */
export async function storeInboxRow(db: DbOrTx, row: NewInboxRow): Promise<{ stored: boolean }> {
  const insert = db
    .insert(webhookInbox)
    .values({
      sender: row.sender.sender,
      webhookId: row.webhookId,
      organisationId: row.sender.organisationId,
      receivedAt: row.receivedAt,
      payload: row.payload,
      state: "received",
    })
    .onConflictDoNothing();
  const touch =
    row.sender.source === "integration"
      ? db.update(integration).set({ lastWebhookAt: row.receivedAt }).where(eq(integration.id, row.sender.integrationId))
      : db.update(cctvSource).set({ lastWebhookAt: row.receivedAt }).where(eq(cctvSource.facilityId, row.sender.facilityId));
  const [inserted] = await batchOf(db, insert, touch);
  return { stored: inserted.rowsAffected === 1 };
}

// `batch` exists on the database, not on a transaction; inside one, run the statements in order.
async function batchOf<A, B>(db: DbOrTx, a: PromiseLike<A> & object, b: PromiseLike<B> & object): Promise<[A, B]> {
  if ("batch" in db) return (await db.batch([a, b] as never)) as unknown as [A, B];
  return [await a, await b];
}

/** Marks rows as handed to the queue; never moves a row back from applied or failed. */
export async function markInboxEnqueued(db: DbOrTx, keys: { sender: string; webhookId: string }[]) {
  if (keys.length === 0) return;
  const pairs = sql.join(
    keys.map((key) => sql`(${key.sender}, ${key.webhookId})`),
    sql`, `,
  );
  await db
    .update(webhookInbox)
    .set({ state: "enqueued" })
    .where(
      and(
        eq(webhookInbox.state, "received"),
        sql`(${webhookInbox.sender}, ${webhookInbox.webhookId}) in (values ${pairs})`,
      ),
    );
}

export async function getInboxRow(db: DbOrTx, key: { sender: string; webhookId: string }) {
  const [row] = await db
    .select()
    .from(webhookInbox)
    .where(and(eq(webhookInbox.sender, key.sender), eq(webhookInbox.webhookId, key.webhookId)))
    .limit(1);
  return row ?? null;
}

/**
 * Claims a row for applying: counts the attempt and marks it applied unless it already was. Run in the
 * same write transaction as the apply, so a concurrent re-delivery waits and then finds it applied.
 */
export async function claimInboxRowForApply(db: DbOrTx, key: { sender: string; webhookId: string }, now: number) {
  const result = await db
    .update(webhookInbox)
    .set({ state: "applied", appliedAt: now, attempts: sql`${webhookInbox.attempts} + 1`, error: null })
    .where(
      and(
        eq(webhookInbox.sender, key.sender),
        eq(webhookInbox.webhookId, key.webhookId),
        inArray(webhookInbox.state, ["received", "enqueued"]),
      ),
    );
  return { claimed: result.rowsAffected === 1 };
}

/** A row that can never apply (its sender is gone, its payload fails the contract): kept with the reason. */
export async function markInboxFailed(db: DbOrTx, key: { sender: string; webhookId: string }, error: string) {
  await db
    .update(webhookInbox)
    .set({ state: "failed", appliedAt: null, error })
    .where(and(eq(webhookInbox.sender, key.sender), eq(webhookInbox.webhookId, key.webhookId)));
}

/** Rows stored but never handed to the queue (the enqueue after the 202 failed), oldest first. */
export async function listStuckInboxRows(db: DbOrTx, input: { receivedBefore: number; limit: number }) {
  return db
    .select({ sender: webhookInbox.sender, webhookId: webhookInbox.webhookId })
    .from(webhookInbox)
    .where(and(eq(webhookInbox.state, "received"), lt(webhookInbox.receivedAt, input.receivedBefore)))
    .orderBy(asc(webhookInbox.receivedAt))
    .limit(input.limit);
}
