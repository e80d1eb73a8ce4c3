import { createNodeDb, migrateDb } from "./node";
import type { Db } from "./database";
import {
  insertOrganisation,
  insertFacility,
  insertIntegration,
  type NewFacility,
  type NewIntegration,
} from "./queries/provisioning";

/** A fresh, migrated, private in-memory database: one per test file, never shared fixtures. */
export async function createTestDb(): Promise<Db> {
  const db = createNodeDb({ url: ":memory:" });
  await migrateDb(db);
  return db;
}

const NOW = Date.UTC(2026, 10, 24, 12);

export async function createOrganisation(db: Db, overrides: { name?: string } = {}) {
  return insertOrganisation(db, { name: overrides.name ?? "Test Org" }, NOW);
}

export async function createFacility(db: Db, overrides: Partial<NewFacility> = {}) {
  const organisationId = overrides.organisationId ?? (await createOrganisation(db)).id;
  return insertFacility(
    db,
    { name: "Test Facility", timeZone: "Europe/London", countryCode: "GB", ...overrides, organisationId },
    NOW,
  );
}

export async function createIntegration(db: Db, overrides: Partial<NewIntegration> & { organisationId: string }) {
  return insertIntegration(
    db,
    { name: "Test Partner", baseUrl: "http://partner.test", apiKey: "key", locations: {}, ...overrides },
    NOW,
  );
}

// ——— Sync engine helpers ———

import { updateSyncSettings, type SyncSettingsPatch } from "./queries/sync-settings";
import { insertCctvSource } from "./queries/provisioning";

/** A raw integration member as a partner's listing or webhook carries it. */
export function member(externalId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    external_id: externalId,
    first_name: "Ada",
    last_name: `Member ${externalId}`,
    email: `${externalId.toLowerCase()}@example.com`,
    mobile_phone: null,
    person_type: "member",
    membership_status: "active",
    tags: [],
    location_ids: ["loc-1"],
    updated_at: "2026-11-24T09:00:00Z",
    ...overrides,
  };
}

/** A facility with one connected integration mapping `loc-1` to it, and its Integrations source on. */
export async function createSyncedFacility(db: Db, settings: SyncSettingsPatch = {}) {
  const facility = await createFacility(db);
  const integration = await createIntegration(db, {
    organisationId: facility.organisationId,
    locations: { "loc-1": facility.id },
  });
  await updateSyncSettings(db, facility.id, { integrationsEnabled: true, cctvEnabled: true, ...settings }, NOW);
  return { facility, integration };
}

/** Connects the CCTV module for a facility. */
export async function insertCctvSourceFor(db: Db, facilityId: string) {
  return insertCctvSource(db, { facilityId, baseUrl: "http://cctv.test", apiKey: "key" }, NOW);
}
