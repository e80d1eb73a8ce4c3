import { listPollStates, openSystemCredentials } from "@uas/db";
import { pollFreshness } from "@uas/domain";
import type { Ctx } from "../../context";

/**
 * Sync settings' line for each polled club of these integrations: "checked 3 minutes ago", or why not, and
 * the watermark (changes read up to) with the club's own time zone, to show it on the club's clock (ADR 0018).
 */
export async function pollFreshnessOf(ctx: Ctx, integrationIds: string[]) {
  const rows = await listPollStates(ctx.db, integrationIds);
  const now = ctx.now();
  return Promise.all(
    rows.map(async (row) => ({
      integrationId: row.integrationId,
      locationId: row.locationId,
      checkedAt: row.checkedAtMs,
      freshness: pollFreshness(row.checkedAtMs, now),
      lastError: row.lastError,
      watermarkAt: row.watermarkMs,
      clubTimeZone: (await openSystemCredentials(ctx.secrets, row.credentials)).clubTimeZone ?? null,
    })),
  );
}
