import { ConnectorError } from "@uas/connectors";
import { DISCONNECTED_API_KEY, findIntegrationOfOrganisation, lastInboxDelta, openSystemCredentials } from "@uas/db";
import { INTEGRATION_SOURCE, senderKey, sourceTarget } from "@uas/domain";
import type { Ctx } from "../../context";
import { notFound } from "../../errors";
import { SYSTEM_LABELS, connectionContext, nativeConnector } from "../../sources/native";

export type DeliveryFailures =
  /** The system reports failed deliveries (Mindbody `GET /metrics`: messages it gave up delivering). */
  | { reported: true; count: number }
  /** It has no such figure, or it could not be asked just now (`message` says which). */
  | { reported: false; message: string };

export type IntegrationHealthView = {
  /** The last webhook (or polled change) received from the system. */
  lastEventAt: number | null;
  deliveryFailures: DeliveryFailures;
  /**
   * The last delta: when the newest change was received and how late, measured from the source's
   * `updated_at` it carried (the watermark's age when it arrived). Null when the inbox holds none.
   */
  lastDelta: { receivedAt: number; sourceUpdatedAt: number; lagMs: number } | null;
};

/**
 * An integration's health figures, asked for one integration on demand (the failures are one call to
 * the system, so the page's list does not make it for every integration).
 */
export async function integrationHealth({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { organisationId: string; integrationId: string };
}): Promise<IntegrationHealthView> {
  const row = await findIntegrationOfOrganisation(ctx.db, input.organisationId, input.integrationId);
  if (!row) throw notFound("Integration");
  const sender = senderKey(sourceTarget(INTEGRATION_SOURCE, row.id));
  const [delta, deliveryFailures] = await Promise.all([
    lastInboxDelta(ctx.db, input.organisationId, sender),
    failuresOf(ctx, row),
  ]);
  return {
    lastEventAt: row.lastWebhookAt,
    deliveryFailures,
    lastDelta:
      delta && delta.sourceUpdatedAt !== null
        ? {
            receivedAt: delta.receivedAt,
            sourceUpdatedAt: delta.sourceUpdatedAt,
            lagMs: Math.max(0, delta.receivedAt - delta.sourceUpdatedAt),
          }
        : null,
  };
}

async function failuresOf(
  ctx: Ctx,
  row: NonNullable<Awaited<ReturnType<typeof findIntegrationOfOrganisation>>>,
): Promise<DeliveryFailures> {
  const label = SYSTEM_LABELS[row.system];
  const connector = nativeConnector(row.system);
  const subscriptions = connector?.subscriptions;
  if (!subscriptions?.deliveryFailures)
    return { reported: false, message: `${label} does not report failed deliveries` };
  if (row.apiKey === DISCONNECTED_API_KEY) return { reported: false, message: "The integration is disconnected" };
  try {
    const context = connectionContext(ctx, row.baseUrl, await openSystemCredentials(ctx.secrets, row.credentials));
    const count = await subscriptions.deliveryFailures(context);
    return count === null
      ? { reported: false, message: `${label} does not report failed deliveries` }
      : { reported: true, count };
  } catch (error) {
    const detail = error instanceof ConnectorError ? error.message : `${label} could not be reached`;
    return { reported: false, message: `Could not ask ${label}: ${detail}` };
  }
}
