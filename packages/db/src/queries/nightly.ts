import { and, eq, inArray, or } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { facility, syncSettings, syncPass } from "../schema";

/** Facilities with at least one source on: the only ones the nightly reconciliation visits. */
export async function listFacilitiesWithSourceOn(db: DbOrTx) {
  return db
    .select({
      facilityId: facility.id,
      organisationId: facility.organisationId,
      timeZone: facility.timeZone,
      nightlyHour: facility.nightlyHour,
      integrationsEnabled: syncSettings.integrationsEnabled,
      cctvEnabled: syncSettings.cctvEnabled,
    })
    .from(facility)
    .innerJoin(syncSettings, eq(syncSettings.facilityId, facility.id))
    .where(or(eq(syncSettings.integrationsEnabled, true), eq(syncSettings.cctvEnabled, true)));
}

/** Nightly passes already recorded for the given local days, as `facility|source|day` keys. */
export async function listNightlyPassKeys(db: DbOrTx, facilityIds: string[], days: string[]) {
  if (facilityIds.length === 0 || days.length === 0) return new Set<string>();
  const rows = await db
    .select({ facilityId: syncPass.facilityId, source: syncPass.source, nightlyDate: syncPass.nightlyDate })
    .from(syncPass)
    .where(and(inArray(syncPass.nightlyDate, days), inArray(syncPass.facilityId, facilityIds)));
  return new Set(rows.map((row) => `${row.facilityId}|${row.source}|${row.nightlyDate}`));
}
