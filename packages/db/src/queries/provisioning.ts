import { hashPassword } from "better-auth/crypto";
import type { DbOrTx } from "../database";
import {
  authAccount,
  authUser,
  organisation,
  facility,
  facilityGrant,
  organisationMember,
  syncSettings,
  integration,
  integrationLocation,
  facilityIntegration,
  cctvSource,
  integrationDirectory,
  type IntegrationSystem,
} from "../schema";
import { newId, newWebhookSecret } from "../ids";

export type NewFacility = {
  id?: string;
  organisationId: string;
  name: string;
  timeZone: string;
  countryCode: string;
  nightlyHour?: number;
};

export async function insertOrganisation(
  db: DbOrTx,
  input: { id?: string; name: string; databaseName?: string | null },
  now: number,
) {
  const row = {
    id: input.id ?? newId("org"),
    name: input.name,
    databaseName: input.databaseName ?? null,
    createdAt: now,
  };
  await db.insert(organisation).values(row);
  return row;
}

/** The catalog and an organisation's own database (the same one in the single-database layout). */
export type OrganisationStores = { catalog: DbOrTx; organisation: DbOrTx };

/**
 * An organisation with a database of its own (ADR 0021): its directory row in the catalog, and the same
 * row in its database, where its facilities' rows refer to it. Idempotent, so a provisioning run that
 * stopped half-way is finished by running it again.
 */
export async function provisionOrganisation(
  stores: OrganisationStores,
  input: { id: string; name: string; databaseName: string | null },
  now: number,
) {
  const row = { ...input, createdAt: now };
  await stores.catalog.insert(organisation).values(row).onConflictDoNothing();
  if (stores.organisation !== stores.catalog)
    await stores.organisation
      .insert(organisation)
      .values({ ...row, databaseName: null })
      .onConflictDoNothing();
  return row;
}

/**
 * A facility in the catalog (grants, routing, the cron's time zone) and in its organisation's database
 * (with its sync settings, every source off), written once when both are the same database.
 */
export async function provisionFacility(stores: OrganisationStores, input: NewFacility & { id: string }, now: number) {
  if (stores.organisation === stores.catalog) return insertFacility(stores.catalog, input, now);
  const row = facilityRow(input, now);
  await stores.organisation.insert(facility).values(row).onConflictDoNothing();
  await stores.organisation.insert(syncSettings).values({ facilityId: row.id, updatedAt: now }).onConflictDoNothing();
  await stores.catalog.insert(facility).values(row).onConflictDoNothing();
  return row;
}

/** Routes an integration's webhooks (and, for a polled system, the minute cron) to its organisation's database. */
export async function registerIntegration(
  catalog: DbOrTx,
  input: { integrationId: string; organisationId: string; system: IntegrationSystem },
) {
  await catalog.insert(integrationDirectory).values(input).onConflictDoNothing();
}

/** A facility always has its sync settings row, with every source off. */
export async function insertFacility(db: DbOrTx, input: NewFacility, now: number) {
  const row = facilityRow(input, now);
  await db.insert(facility).values(row);
  await db.insert(syncSettings).values({ facilityId: row.id, updatedAt: now });
  return row;
}

function facilityRow(input: NewFacility, now: number) {
  return {
    id: input.id ?? newId("fac"),
    organisationId: input.organisationId,
    name: input.name,
    timeZone: input.timeZone,
    countryCode: input.countryCode,
    nightlyHour: input.nightlyHour ?? 3,
    createdAt: now,
  };
}

export async function grantFacilities(db: DbOrTx, userId: string, facilityIds: string[]) {
  if (facilityIds.length === 0) return;
  await db
    .insert(facilityGrant)
    .values(facilityIds.map((facilityId) => ({ userId, facilityId })))
    .onConflictDoNothing();
}

/**
 * An admin who signs in with email and password (admins are provisioned, never self-signed-up): the auth
 * user and better-auth's credential account, with better-auth's own scrypt hash so the Worker's sign-in
 * verifies it. Membership and grants are separate (`addOrganisationMember`, `grantFacilities`).
 */
export async function insertAdmin(
  db: DbOrTx,
  input: { id: string; name: string; email: string; password: string; accountId?: string },
  now: number,
): Promise<void> {
  await db.insert(authUser).values({
    id: input.id,
    name: input.name,
    email: input.email,
    emailVerified: true,
    createdAt: new Date(now),
    updatedAt: new Date(now),
  });
  await db.insert(authAccount).values({
    id: input.accountId ?? newId("acc"),
    accountId: input.id,
    providerId: "credential",
    userId: input.id,
    password: await hashPassword(input.password),
    createdAt: new Date(now),
    updatedAt: new Date(now),
  });
}

export async function addOrganisationMember(
  db: DbOrTx,
  input: { userId: string; organisationId: string; role: "owner" | "admin" },
) {
  await db.insert(organisationMember).values(input).onConflictDoNothing();
}

export type NewIntegration = {
  id?: string;
  organisationId: string;
  name: string;
  /** The member system (default `partner-api`, our own contract). */
  system?: IntegrationSystem;
  baseUrl: string;
  apiKey: string;
  /** Native systems: the connector's credentials, sealed JSON (by the caller, like `apiKey`). */
  credentials?: string | null;
  /** Native systems: the account at the system (siteId, companyId, clubId...). */
  accountId?: string | null;
  webhookSecret?: string;
  /** Partner location id → facility id. */
  locations: Record<string, string>;
};

/** Connects an integration; every facility it maps to mirrors it unless that facility opts out. */
export async function insertIntegration(db: DbOrTx, input: NewIntegration, now: number) {
  const row = {
    id: input.id ?? newId("int"),
    organisationId: input.organisationId,
    name: input.name,
    system: input.system ?? "partner-api",
    baseUrl: input.baseUrl,
    apiKey: input.apiKey,
    credentials: input.credentials ?? null,
    accountId: input.accountId ?? null,
    webhookSecret: input.webhookSecret ?? newWebhookSecret(),
    createdAt: now,
  };
  await db.insert(integration).values(row);
  const locations = Object.entries(input.locations).map(([locationId, facilityId]) => ({
    integrationId: row.id,
    locationId,
    facilityId,
  }));
  if (locations.length > 0) await db.insert(integrationLocation).values(locations);
  const facilityIds = [...new Set(Object.values(input.locations))];
  if (facilityIds.length > 0) {
    await db
      .insert(facilityIntegration)
      .values(facilityIds.map((facilityId) => ({ facilityId, integrationId: row.id, enabled: true })))
      .onConflictDoNothing();
  }
  return row;
}

export async function insertCctvSource(
  db: DbOrTx,
  input: { facilityId: string; baseUrl: string; apiKey: string; webhookSecret?: string },
  now: number,
) {
  const row = { ...input, webhookSecret: input.webhookSecret ?? newWebhookSecret(), createdAt: now };
  await db.insert(cctvSource).values(row);
  return row;
}
