import { eq } from "drizzle-orm";
import { hashPassword } from "better-auth/crypto";
import {
  authUser,
  authAccount,
  organisation,
  integration,
  cctvSource,
  insertOrganisation,
  insertFacility,
  insertIntegration,
  insertCctvSource,
  grantFacilities,
  addOrganisationMember,
  type Db,
} from "@uas/db";

export const DEMO = {
  organisationId: "org_demo",
  organisationName: "Demo Fitness Group",
  facilities: [
    { id: "fac_northside", name: "Northside", timeZone: "Europe/London", countryCode: "GB", location: "loc-north" },
    { id: "fac_riverside", name: "Riverside", timeZone: "America/New_York", countryCode: "US", location: "loc-river" },
  ],
  integrationId: "int_demo_partner",
  integrationName: "Demo Partner",
  cctvFacilityId: "fac_northside",
  admin: { id: "usr_demo_admin", name: "Demo Admin", email: "admin@demo.fitness", password: "demo-admin-2026" },
} as const;

export type DemoWiring = { partnerUrl: string; partnerApiKey: string };

/** Seeds the demo once (first start); afterwards only re-points it at this run's demo partner. */
export async function seedDemo(db: Db, wiring: DemoWiring, now = Date.now()): Promise<{ seeded: boolean }> {
  const [existing] = await db.select().from(organisation).where(eq(organisation.id, DEMO.organisationId));
  if (existing) {
    await rewireDemo(db, wiring);
    return { seeded: false };
  }
  await db.transaction(async (tx) => {
    await insertOrganisation(tx, { id: DEMO.organisationId, name: DEMO.organisationName }, now);
    for (const f of DEMO.facilities) {
      await insertFacility(
        tx,
        { id: f.id, organisationId: DEMO.organisationId, name: f.name, timeZone: f.timeZone, countryCode: f.countryCode },
        now,
      );
    }
    await tx.insert(authUser).values({
      id: DEMO.admin.id,
      name: DEMO.admin.name,
      email: DEMO.admin.email,
      emailVerified: true,
      createdAt: new Date(now),
      updatedAt: new Date(now),
    });
    // better-auth's credential account: its own scrypt hash, so the Worker's sign-in verifies it.
    await tx.insert(authAccount).values({
      id: `acc_${DEMO.admin.id}`,
      accountId: DEMO.admin.id,
      providerId: "credential",
      userId: DEMO.admin.id,
      password: await hashPassword(DEMO.admin.password),
      createdAt: new Date(now),
      updatedAt: new Date(now),
    });
    await addOrganisationMember(tx, { userId: DEMO.admin.id, organisationId: DEMO.organisationId, role: "owner" });
    await grantFacilities(
      tx,
      DEMO.admin.id,
      DEMO.facilities.map((f) => f.id),
    );
    await insertIntegration(
      tx,
      {
        id: DEMO.integrationId,
        organisationId: DEMO.organisationId,
        name: DEMO.integrationName,
        baseUrl: wiring.partnerUrl,
        apiKey: wiring.partnerApiKey,
        locations: Object.fromEntries(DEMO.facilities.map((f) => [f.location, f.id])),
      },
      now,
    );
    await insertCctvSource(
      tx,
      { facilityId: DEMO.cctvFacilityId, baseUrl: `${wiring.partnerUrl}/cctv`, apiKey: wiring.partnerApiKey },
      now,
    );
  });
  return { seeded: true };
}

async function rewireDemo(db: Db, wiring: DemoWiring) {
  await db
    .update(integration)
    .set({ baseUrl: wiring.partnerUrl, apiKey: wiring.partnerApiKey })
    .where(eq(integration.id, DEMO.integrationId));
  await db
    .update(cctvSource)
    .set({ baseUrl: `${wiring.partnerUrl}/cctv`, apiKey: wiring.partnerApiKey })
    .where(eq(cctvSource.facilityId, DEMO.cctvFacilityId));
}
