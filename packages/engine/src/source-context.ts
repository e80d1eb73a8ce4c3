import { and, eq, inArray, sql } from "drizzle-orm";
import {
  SOURCE_KINDS,
  SYNC_SOURCES,
  mirroredIntegrationIds,
  sourceGates,
  type PlanFacility,
  type PlanSettings,
  type RequireIdentifier,
  type SourceSwitch,
  type SyncSource,
} from "@uas/domain";
import type { DbOrTx } from "@uas/db";
import { facility, facilityIntegration, integrationLocation, syncSettings } from "@uas/db";

/** Each source kind's on/off switch, a column of sync_settings named by the registry. */
const SWITCH_COLUMNS = Object.fromEntries(
  SYNC_SOURCES.map((source) => [SOURCE_KINDS[source].switch, syncSettings[SOURCE_KINDS[source].switch]]),
) as { [K in SourceSwitch]: (typeof syncSettings)[K] };

export type FacilitySyncContext = Record<SourceSwitch, boolean> & {
  facility: PlanFacility & { organisationId: string };
  requireIdentifier: RequireIdentifier;
  massDisablePercent: number;
  massDisableMinimum: number;
  /** Auto-send: a pass end queues invitations only when it is on. */
  autoSendInvitations: boolean;
  /** This facility's "Sync from these integrations" choices; read only through the domain's `isMirrored`. */
  optedIn: Map<string, boolean>;
};

export type SettingsOverride = Partial<Pick<FacilitySyncContext, "requireIdentifier" | SourceSwitch>>;

/** Facilities' sync contexts, one statement: the facility, its settings, its integration choices as a JSON list. */
function contextQuery(db: DbOrTx, facilityIds: string[]) {
  return db
    .select({
      id: facility.id,
      organisationId: facility.organisationId,
      countryCode: facility.countryCode,
      ...SWITCH_COLUMNS,
      requireIdentifier: syncSettings.requireIdentifier,
      massDisablePercent: syncSettings.massDisablePercent,
      massDisableMinimum: syncSettings.massDisableMinimum,
      autoSendInvitations: syncSettings.autoSendInvitations,
      choices: sql<string>`(SELECT json_group_array(json_array(${facilityIntegration.integrationId}, ${facilityIntegration.enabled}))
        FROM ${facilityIntegration} WHERE ${facilityIntegration.facilityId} = ${facility.id})`,
    })
    .from(facility)
    .innerJoin(syncSettings, eq(syncSettings.facilityId, facility.id))
    .where(inArray(facility.id, facilityIds));
}

function contextsFrom(rows: Awaited<ReturnType<typeof contextQuery>>): Map<string, FacilitySyncContext> {
  const contexts = new Map<string, FacilitySyncContext>();
  for (const row of rows) {
    const { id, organisationId, countryCode, choices, ...settings } = row;
    const optedIn = new Map<string, boolean>();
    for (const [integrationId, enabled] of JSON.parse(choices) as [string, number][])
      optedIn.set(integrationId, Boolean(enabled));
    contexts.set(id, { facility: { id, organisationId, countryCode }, ...settings, optedIn });
  }
  return contexts;
}

/**
 * Facilities' sync contexts in one statement (a step reads this once or twice; a second statement for
 * the integration choices was a second subrequest each time).
 */
export async function loadFacilityContexts(
  db: DbOrTx,
  facilityIds: string[],
): Promise<Map<string, FacilitySyncContext>> {
  if (facilityIds.length === 0) return new Map();
  return contextsFrom(await contextQuery(db, facilityIds));
}

export async function loadFacilityContext(db: DbOrTx, facilityId: string): Promise<FacilitySyncContext | undefined> {
  return (await loadFacilityContexts(db, [facilityId])).get(facilityId);
}

export function withOverride(
  context: FacilitySyncContext,
  override: SettingsOverride | undefined,
): FacilitySyncContext {
  return override ? { ...context, ...override } : context;
}

export function planSettingsFor(
  context: FacilitySyncContext,
  source: SyncSource,
  integrationId: string | null,
): PlanSettings {
  // The domain's one answer: rule 1's switch and rule 2's "is this integration mirrored?" (no choice = off).
  return {
    ...sourceGates({ ...context, integrationChoices: context.optedIn }, source, integrationId),
    requireIdentifier: context.requireIdentifier,
  };
}

/** The integrations a facility mirrors: the listings its Integrations pass reads. */
export function mirroredIntegrations(context: FacilitySyncContext): string[] {
  return mirroredIntegrationIds(context.optedIn);
}

function locationQuery(db: DbOrTx, integrationId: string) {
  return db
    .select({ locationId: integrationLocation.locationId, facilityId: integrationLocation.facilityId })
    .from(integrationLocation)
    .where(eq(integrationLocation.integrationId, integrationId));
}

const locationMapFrom = (rows: Awaited<ReturnType<typeof locationQuery>>) =>
  new Map(rows.map((row) => [row.locationId, row.facilityId]));

export async function loadLocationMap(db: DbOrTx, integrationId: string): Promise<Map<string, string>> {
  return locationMapFrom(await locationQuery(db, integrationId));
}

/**
 * A step's opening reads: the facility's context and the location map of the listing it reads first,
 * in one request (a batch; a transaction reads them one after the other).
 */
export async function loadStepContext(
  db: DbOrTx,
  facilityId: string,
  integrationId: string | null,
): Promise<{ context: FacilitySyncContext | undefined; locationMap: Map<string, string> | null }> {
  if (integrationId !== null && "batch" in db) {
    const [rows, locations] = await db.batch([contextQuery(db, [facilityId]), locationQuery(db, integrationId)]);
    return { context: contextsFrom(rows).get(facilityId), locationMap: locationMapFrom(locations) };
  }
  return {
    context: await loadFacilityContext(db, facilityId),
    locationMap: integrationId === null ? null : await loadLocationMap(db, integrationId),
  };
}

export async function facilitiesOfOrganisation(db: DbOrTx, organisationId: string): Promise<string[]> {
  const rows = await db
    .select({ id: facility.id })
    .from(facility)
    .where(and(eq(facility.organisationId, organisationId)));
  return rows.map((row) => row.id);
}
