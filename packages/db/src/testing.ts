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
