import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { INTEGRATION_SOURCE } from "@uas/domain";
import type { Db, DbOrTx } from "../database";
import {
  accessUser,
  facility,
  facilityIntegration,
  integration,
  integrationLocation,
  organisation,
  organisationMember,
} from "../schema";

/**
 * A disconnected integration keeps its row, so the members it synced keep their badge (the partner's
 * name) and can still be bulk-deleted by integration; it is marked by an empty API key (nothing can
 * call the partner with it) until the schema has a `disconnected_at` column.
 */
export const DISCONNECTED_API_KEY = "";

export type IntegrationRow = typeof integration.$inferSelect;
export type LocationMapEntry = { locationId: string; facilityId: string };

/** The organisations the admin owns: only owners manage integrations. */
export async function listOwnedOrganisations(db: DbOrTx, userId: string) {
  return db
    .select({ id: organisation.id, name: organisation.name })
    .from(organisationMember)
    .innerJoin(organisation, eq(organisation.id, organisationMember.organisationId))
    .where(and(eq(organisationMember.userId, userId), eq(organisationMember.role, "owner")))
    .orderBy(asc(organisation.name));
}

export async function listOrganisationFacilities(db: DbOrTx, organisationId: string) {
  return db
    .select({ id: facility.id, name: facility.name })
    .from(facility)
    .where(eq(facility.organisationId, organisationId))
    .orderBy(asc(facility.name));
}

export async function listOrganisationIntegrations(db: DbOrTx, organisationId: string) {
  return db
    .select()
    .from(integration)
    .where(eq(integration.organisationId, organisationId))
    .orderBy(asc(integration.name), asc(integration.createdAt));
}

export async function findIntegrationOfOrganisation(db: DbOrTx, organisationId: string, integrationId: string) {
  const [row] = await db
    .select()
    .from(integration)
    .where(and(eq(integration.organisationId, organisationId), eq(integration.id, integrationId)))
    .limit(1);
  return row;
}

/** The location maps of several integrations, with each facility's name. */
export async function listLocationMaps(db: DbOrTx, integrationIds: string[]) {
  if (integrationIds.length === 0) return [];
  return db
    .select({
      integrationId: integrationLocation.integrationId,
      locationId: integrationLocation.locationId,
      facilityId: integrationLocation.facilityId,
      facilityName: facility.name,
    })
    .from(integrationLocation)
    .innerJoin(facility, eq(facility.id, integrationLocation.facilityId))
    .where(inArray(integrationLocation.integrationId, integrationIds))
    .orderBy(asc(integrationLocation.locationId));
}

/**
 * Synced members per integration across the organisation's facilities. Walks the
 * (facility, source, integration, external id) unique index: no table reads, whatever the row count.
 */
export async function countSyncedMembers(db: DbOrTx, organisationId: string) {
  const facilityIds = db.select({ id: facility.id }).from(facility).where(eq(facility.organisationId, organisationId));
  const rows = await db
    .select({ integrationId: accessUser.integrationKey, members: sql<number>`count(*)` })
    .from(accessUser)
    .where(and(inArray(accessUser.facilityId, facilityIds), eq(accessUser.source, INTEGRATION_SOURCE)))
    .groupBy(accessUser.integrationKey);
  return new Map(rows.map((row) => [row.integrationId, row.members]));
}

export type IntegrationPatch = Partial<
  Pick<IntegrationRow, "name" | "baseUrl" | "apiKey" | "credentials" | "accountId">
>;

/** Edits the connection and, when given, replaces the location map, in one batch (all or nothing). */
export async function updateIntegration(
  db: Db,
  integrationId: string,
  patch: IntegrationPatch,
  locations: LocationMapEntry[] | undefined,
) {
  const statements = [];
  if (Object.keys(patch).length > 0)
    statements.push(db.update(integration).set(patch).where(eq(integration.id, integrationId)));
  if (locations) {
    statements.push(db.delete(integrationLocation).where(eq(integrationLocation.integrationId, integrationId)));
    if (locations.length > 0) {
      statements.push(db.insert(integrationLocation).values(locations.map((entry) => ({ integrationId, ...entry }))));
      // A facility newly on the map mirrors the integration; a facility that turned it off stays off.
      const facilityIds = [...new Set(locations.map((entry) => entry.facilityId))];
      statements.push(
        db
          .insert(facilityIntegration)
          .values(facilityIds.map((facilityId) => ({ facilityId, integrationId, enabled: true })))
          .onConflictDoNothing(),
      );
    }
  }
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/**
 * A new webhook secret (sealed by the caller, see secrets.ts); the one it replaces keeps verifying
 * signatures until `previousValidUntil`, so the partner can switch over without losing events. A second
 * rotation inside the grace period retires the oldest secret at once (only one previous secret is kept).
 */
export async function rotateWebhookSecret(
  db: DbOrTx,
  integrationId: string,
  previousValidUntil: number,
  newSecret: string,
) {
  const [row] = await db
    .update(integration)
    .set({
      webhookSecret: newSecret,
      previousWebhookSecret: sql`${integration.webhookSecret}`,
      previousSecretValidUntil: previousValidUntil,
    })
    .where(eq(integration.id, integrationId))
    .returning();
  return row;
}

/** Whether any User Access row came from this integration (one index probe per facility). */
export async function hasSyncedMembers(db: DbOrTx, organisationId: string, integrationId: string) {
  const facilityIds = db.select({ id: facility.id }).from(facility).where(eq(facility.organisationId, organisationId));
  const [row] = await db
    .select({ id: accessUser.id })
    .from(accessUser)
    .where(
      and(
        inArray(accessUser.facilityId, facilityIds),
        eq(accessUser.source, INTEGRATION_SOURCE),
        eq(accessUser.integrationKey, integrationId),
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** Removes an integration that never synced anyone: its location map and opt-ins go with it (cascade). */
export async function deleteIntegration(db: DbOrTx, integrationId: string) {
  await db.delete(integration).where(eq(integration.id, integrationId));
}

/**
 * Disconnects an integration whose members stay ("Members already synced stay until you remove them"):
 * the location map goes, every facility of the organisation is opted out (so no pass mirrors it), the
 * API key and a native system's credentials are cleared and the webhook secret replaced by one nobody knows (so its webhooks are refused;
 * the caller seals it like any other).
 */
export async function disconnectIntegration(
  db: Db,
  organisationId: string,
  integrationId: string,
  unknownSecret: string,
) {
  const facilities = await listOrganisationFacilities(db, organisationId);
  const optOuts = facilities.map((f) => ({ facilityId: f.id, integrationId, enabled: false }));
  const clear = db
    .update(integration)
    .set({
      apiKey: DISCONNECTED_API_KEY,
      credentials: null,
      webhookSecret: unknownSecret,
      previousWebhookSecret: null,
      previousSecretValidUntil: null,
    })
    .where(eq(integration.id, integrationId));
  const unmap = db.delete(integrationLocation).where(eq(integrationLocation.integrationId, integrationId));
  if (optOuts.length === 0) {
    await db.batch([clear, unmap]);
    return;
  }
  const optOut = db
    .insert(facilityIntegration)
    .values(optOuts)
    .onConflictDoUpdate({
      target: [facilityIntegration.facilityId, facilityIntegration.integrationId],
      set: { enabled: false },
    });
  await db.batch([clear, unmap, optOut]);
}
