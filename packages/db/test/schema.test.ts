import { describe, it, expect, beforeEach } from "vitest";
import { createTestDb, createFacility, createIntegration } from "../src/testing";
import { accessUser, syncPass, getSyncSettings, isUniqueViolation, type Db } from "../src";

const uniqueViolation = (e: unknown) => isUniqueViolation(e);

const NOW = Date.UTC(2026, 10, 24, 12);

function syncedRow(facilityId: string, integrationId: string | null, externalId: string) {
  return {
    id: crypto.randomUUID(),
    facilityId,
    source: integrationId ? ("integration" as const) : ("cctv" as const),
    integrationId,
    externalId,
    firstName: "Ada",
    lastName: "Lovelace",
    createdAt: NOW,
    updatedAt: NOW,
  };
}

describe("schema", () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
  });

  it("a new facility has every source off, auto-send off and Email OR phone", async () => {
    const facility = await createFacility(db);
    const settings = await getSyncSettings(db, facility.id);
    expect(settings).toMatchObject({
      integrationsEnabled: false,
      cctvEnabled: false,
      autoSendInvitations: false,
      requireIdentifier: "email_or_phone",
    });
  });

  it("allows one synced row per (facility, source, integration, external id)", async () => {
    const facility = await createFacility(db);
    const partner = await createIntegration(db, { organisationId: facility.organisationId });
    await db.insert(accessUser).values(syncedRow(facility.id, partner.id, "M-1"));
    await expect(db.insert(accessUser).values(syncedRow(facility.id, partner.id, "M-1"))).rejects.toSatisfy(
      uniqueViolation,
    );
    // The same external id from another source, or in another facility, is another person.
    await db.insert(accessUser).values(syncedRow(facility.id, null, "M-1"));
    const other = await createFacility(db, { organisationId: facility.organisationId });
    await db.insert(accessUser).values(syncedRow(other.id, partner.id, "M-1"));
    expect(await db.$count(accessUser)).toBe(3);
  });

  it("holds the CCTV key too, although it has no integration (NULLs are distinct in SQLite)", async () => {
    const facility = await createFacility(db);
    await db.insert(accessUser).values(syncedRow(facility.id, null, "cv-1"));
    await expect(db.insert(accessUser).values(syncedRow(facility.id, null, "cv-1"))).rejects.toSatisfy(uniqueViolation);
  });

  it("allows only one running pass per facility and source", async () => {
    const facility = await createFacility(db);
    const pass = {
      facilityId: facility.id,
      source: "integration" as const,
      trigger: "manual" as const,
      startedAt: NOW,
    };
    await db.insert(syncPass).values({ ...pass, id: "p1", state: "running" });
    await expect(db.insert(syncPass).values({ ...pass, id: "p2", state: "running" })).rejects.toSatisfy(
      uniqueViolation,
    );
    await db.insert(syncPass).values({ ...pass, id: "p3", source: "cctv", state: "running" });
    await db.insert(syncPass).values({ ...pass, id: "p4", state: "complete" });
  });
});
