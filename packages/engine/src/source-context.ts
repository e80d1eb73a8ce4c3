import { and, eq } from "drizzle-orm";
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
import { facility, ident, jsonLiteral, sqlJoin, sqlText, syncSettings, type DbOrTx, type SqlText } from "@uas/db";
import { drizzleHandle } from "./store-handle";

/** Each source kind's on/off switch, a column of sync_settings named by the registry. */
const SWITCH_NAMES = [...new Set(SYNC_SOURCES.map((source) => SOURCE_KINDS[source].switch))];
const SWITCH_LIST = sqlJoin(
  SWITCH_NAMES.map((name) => sqlText`s.${ident(syncSettings[name].name)} AS ${ident(name)}`),
  ", ",
);

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
export function contextStatement(facilityIds: SqlText): SqlText {
  return sqlText`SELECT f.id, f.organisation_id AS organisationId, f.country_code AS countryCode, ${SWITCH_LIST},
      s.require_identifier AS requireIdentifier, s.mass_disable_percent AS massDisablePercent,
      s.mass_disable_minimum AS massDisableMinimum, s.auto_send_invitations AS autoSendInvitations,
      (SELECT json_group_array(json_array(fi.integration_id, fi.enabled)) FROM facility_integration fi
        WHERE fi.facility_id = f.id) AS choices
    FROM facility f JOIN sync_settings s ON s.facility_id = f.id WHERE f.id IN (${facilityIds})`;
}

/** The ids as a list for `contextStatement`. */
export const idList = (ids: readonly string[]): SqlText => sqlText`SELECT value FROM json_each(${jsonLiteral(ids)})`;

type ContextRow = {
  id: string;
  organisationId: string;
  countryCode: string;
  requireIdentifier: RequireIdentifier;
  massDisablePercent: number;
  massDisableMinimum: number;
  autoSendInvitations: number | boolean;
  choices: string;
} & Record<SourceSwitch, number | boolean>;

export function contextsFrom(rows: readonly unknown[]): Map<string, FacilitySyncContext> {
  const contexts = new Map<string, FacilitySyncContext>();
  for (const row of rows as ContextRow[]) {
    const optedIn = new Map<string, boolean>();
    for (const [integrationId, enabled] of JSON.parse(row.choices) as [string, number][])
      optedIn.set(integrationId, Boolean(enabled));
    const switches = Object.fromEntries(SWITCH_NAMES.map((name) => [name, Boolean(row[name])])) as Record<
      SourceSwitch,
      boolean
    >;
    contexts.set(row.id, {
      facility: { id: row.id, organisationId: row.organisationId, countryCode: row.countryCode },
      ...switches,
      requireIdentifier: row.requireIdentifier,
      massDisablePercent: Number(row.massDisablePercent),
      massDisableMinimum: Number(row.massDisableMinimum),
      autoSendInvitations: Boolean(row.autoSendInvitations),
      optedIn,
    });
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
  return contextsFrom(await drizzleHandle(db).all(contextStatement(idList(facilityIds))));
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

/** The location maps of the integrations listed, as rows (integration, location, facility). */
export function locationStatement(integrationIds: SqlText): SqlText {
  return sqlText`SELECT integration_id AS integrationId, location_id AS locationId, facility_id AS facilityId
    FROM integration_location WHERE integration_id IN (${integrationIds})`;
}

type LocationRow = { integrationId: string; locationId: string; facilityId: string };

/** Location maps by integration, from `locationStatement`'s rows (an integration without rows: an empty map). */
export function locationMapsFrom(
  integrationIds: readonly string[],
  rows: readonly unknown[],
): Map<string, Map<string, string>> {
  const maps = new Map(integrationIds.map((id) => [id, new Map<string, string>()]));
  for (const row of rows as LocationRow[]) {
    const map = maps.get(row.integrationId) ?? new Map<string, string>();
    map.set(row.locationId, row.facilityId);
    maps.set(row.integrationId, map);
  }
  return maps;
}

export async function loadLocationMap(db: DbOrTx, integrationId: string): Promise<Map<string, string>> {
  const rows = await drizzleHandle(db).all(locationStatement(idList([integrationId])));
  return locationMapsFrom([integrationId], rows).get(integrationId) ?? new Map();
}

export async function facilitiesOfOrganisation(db: DbOrTx, organisationId: string): Promise<string[]> {
  const rows = await db
    .select({ id: facility.id })
    .from(facility)
    .where(and(eq(facility.organisationId, organisationId)));
  return rows.map((row) => row.id);
}
