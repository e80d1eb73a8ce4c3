import { eq } from "drizzle-orm";
import {
  insertAdmin,
  organisation,
  integration,
  cctvSource,
  accessUser,
  accessGrant,
  accessLogEntry,
  newId,
  insertOrganisation,
  insertFacility,
  insertIntegration,
  insertCctvSource,
  grantFacilities,
  addOrganisationMember,
  newWebhookSecret,
  type Db,
  type SecretBox,
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
  /** Native systems beside the partner, both mapped to Northside (their simulators' defaults). */
  mindbody: {
    integrationId: "int_demo_mindbody",
    name: "Demo Mindbody",
    siteId: "-99",
    staff: { username: "owner", password: "owner-password" },
    locationMap: { "1": "fac_northside", "2": "fac_northside" },
  },
  pushpress: {
    integrationId: "int_demo_pushpress",
    name: "Demo PushPress",
    companyId: "cmp_8f2d1c0e-northside",
    locationMap: { "cmp_8f2d1c0e-northside": "fac_northside" },
  },
  /** Glofox and ABC Ignite on Riverside (their sources start off too). */
  glofox: {
    integrationId: "int_demo_glofox",
    name: "Demo Glofox",
    branchId: "5f1e0c9a8b7d6e5f4a3b2c1d",
    locationMap: { "5f1e0c9a8b7d6e5f4a3b2c1d": "fac_riverside" },
  },
  abcIgnite: {
    integrationId: "int_demo_abc_ignite",
    name: "Demo ABC Ignite",
    clubNumber: "9003",
    clubTimeZone: "America/New_York",
    locationMap: { "9003": "fac_riverside" },
  },
  cctvFacilityId: "fac_northside",
  admin: { id: "usr_demo_admin", name: "Demo Admin", email: "admin@demo.fitness", password: "demo-admin-2026" },
} as const;

/** The native systems' simulators: their API bases, keys and the secrets that sign their webhooks. */
export type NativeWiring = {
  mindbody: { apiBaseUrl: string; apiKey: string; messageSignatureKey: string };
  pushpress: { apiBaseUrl: string; apiKey: string; signingSecret: string };
  glofox: { apiBaseUrl: string; apiKey: string; apiToken: string; webhookSecret: string };
  abcIgnite: { apiBaseUrl: string; appId: string; appKey: string };
};

/** `secrets` seals the partner key and webhook secrets as the Worker does (SECRETS_KEY). */
export type DemoWiring = { partnerUrl: string; partnerApiKey: string; secrets: SecretBox; native?: NativeWiring };

/** Seeds the demo once (first start); afterwards only re-points it at this run's demo partner. */
export async function seedDemo(db: Db, wiring: DemoWiring, now = Date.now()): Promise<{ seeded: boolean }> {
  const [existing] = await db.select().from(organisation).where(eq(organisation.id, DEMO.organisationId));
  if (existing) {
    await rewireDemo(db, wiring);
    if (wiring.native) await seedNativeDemo(db, wiring.native, wiring.secrets, now);
    return { seeded: false };
  }
  const sealedApiKey = await wiring.secrets.seal(wiring.partnerApiKey);
  const [integrationSecret, cctvSecret] = await Promise.all([
    wiring.secrets.seal(newWebhookSecret()),
    wiring.secrets.seal(newWebhookSecret()),
  ]);
  await db.transaction(async (tx) => {
    await insertOrganisation(tx, { id: DEMO.organisationId, name: DEMO.organisationName }, now);
    for (const f of DEMO.facilities) {
      await insertFacility(
        tx,
        {
          id: f.id,
          organisationId: DEMO.organisationId,
          name: f.name,
          timeZone: f.timeZone,
          countryCode: f.countryCode,
        },
        now,
      );
    }
    await insertAdmin(tx, { ...DEMO.admin, accountId: `acc_${DEMO.admin.id}` }, now);
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
        apiKey: sealedApiKey,
        webhookSecret: integrationSecret,
        locations: Object.fromEntries(DEMO.facilities.map((f) => [f.location, f.id])),
      },
      now,
    );
    await insertCctvSource(
      tx,
      {
        facilityId: DEMO.cctvFacilityId,
        baseUrl: `${wiring.partnerUrl}/cctv`,
        apiKey: sealedApiKey,
        webhookSecret: cctvSecret,
      },
      now,
    );
    await seedManualStaff(tx, now);
  });
  if (wiring.native) await seedNativeDemo(db, wiring.native, wiring.secrets, now);
  return { seeded: true };
}

/**
 * "Demo Mindbody" and "Demo PushPress", connected to Northside like the partner, and "Demo Glofox" and
 * "Demo ABC Ignite" on Riverside (the facilities' sources
 * still start off). Added to a data directory made before they existed; re-pointed at this run's
 * simulators on every start, with the signing secrets the simulators were given.
 */
async function seedNativeDemo(db: Db, native: NativeWiring, secrets: SecretBox, now: number) {
  const { mindbody, pushpress, glofox, abcIgnite } = DEMO;
  const rows = [
    {
      id: mindbody.integrationId,
      name: mindbody.name,
      system: "mindbody" as const,
      baseUrl: native.mindbody.apiBaseUrl,
      accountId: mindbody.siteId,
      apiKey: native.mindbody.apiKey,
      credentials: { apiKey: native.mindbody.apiKey, siteId: mindbody.siteId, ...mindbody.staff },
      webhookSecret: native.mindbody.messageSignatureKey,
      locations: mindbody.locationMap,
    },
    {
      id: pushpress.integrationId,
      name: pushpress.name,
      system: "pushpress" as const,
      baseUrl: native.pushpress.apiBaseUrl,
      accountId: pushpress.companyId,
      apiKey: native.pushpress.apiKey,
      credentials: { apiKey: native.pushpress.apiKey, companyId: pushpress.companyId },
      webhookSecret: native.pushpress.signingSecret,
      locations: pushpress.locationMap,
    },
    {
      id: glofox.integrationId,
      name: glofox.name,
      system: "glofox" as const,
      baseUrl: native.glofox.apiBaseUrl,
      accountId: glofox.branchId,
      apiKey: native.glofox.apiKey,
      credentials: { apiKey: native.glofox.apiKey, apiToken: native.glofox.apiToken, branchId: glofox.branchId },
      webhookSecret: native.glofox.webhookSecret,
      locations: glofox.locationMap,
    },
    {
      id: abcIgnite.integrationId,
      name: abcIgnite.name,
      system: "abc-ignite" as const,
      baseUrl: native.abcIgnite.apiBaseUrl,
      accountId: abcIgnite.clubNumber,
      apiKey: native.abcIgnite.appId,
      credentials: {
        appId: native.abcIgnite.appId,
        appKey: native.abcIgnite.appKey,
        clubNumber: abcIgnite.clubNumber,
        clubTimeZone: abcIgnite.clubTimeZone,
      },
      // ABC sends no webhooks: nothing signs with this one (polled, ADR 0018).
      webhookSecret: newWebhookSecret(),
      locations: abcIgnite.locationMap,
    },
  ];
  for (const row of rows) {
    const [apiKey, credentials, webhookSecret] = await Promise.all([
      secrets.seal(row.apiKey),
      secrets.seal(JSON.stringify(row.credentials)),
      secrets.seal(row.webhookSecret),
    ]);
    const [found] = await db.select({ id: integration.id }).from(integration).where(eq(integration.id, row.id));
    if (found) {
      await db
        .update(integration)
        .set({ baseUrl: row.baseUrl, apiKey, credentials, webhookSecret })
        .where(eq(integration.id, row.id));
      continue;
    }
    await insertIntegration(
      db,
      {
        id: row.id,
        organisationId: DEMO.organisationId,
        name: row.name,
        system: row.system,
        baseUrl: row.baseUrl,
        apiKey,
        credentials,
        accountId: row.accountId,
        webhookSecret,
        locations: row.locations,
      },
      now,
    );
  }
}

async function rewireDemo(db: Db, wiring: DemoWiring) {
  const apiKey = await wiring.secrets.seal(wiring.partnerApiKey);
  await db
    .update(integration)
    .set({ baseUrl: wiring.partnerUrl, apiKey })
    .where(eq(integration.id, DEMO.integrationId));
  await db
    .update(cctvSource)
    .set({ baseUrl: `${wiring.partnerUrl}/cctv`, apiKey })
    .where(eq(cctvSource.facilityId, DEMO.cctvFacilityId));
}

const STAFF = [
  {
    firstName: "Maya",
    lastName: "Okafor",
    email: "maya.okafor@demo.fitness",
    mobilePhone: "+447700900501",
    facility: 0,
  },
  { firstName: "Tom", lastName: "Reilly", email: "tom.reilly@demo.fitness", mobilePhone: null, facility: 0 },
  { firstName: "Priya", lastName: "Shah", email: null, mobilePhone: "+447700900503", facility: 0 },
  {
    firstName: "Luis",
    lastName: "Ortega",
    email: "luis.ortega@demo.fitness",
    mobilePhone: "+12025550143",
    facility: 1,
  },
  { firstName: "Hannah", lastName: "Berg", email: "hannah.berg@demo.fitness", mobilePhone: null, facility: 1 },
] as const;
const DOORS = ["Main entrance", "Staff room", "Pool", "Gym floor"];

/** Manually managed staff with grants and a week of door events, so User Access is not empty before any sync. */
async function seedManualStaff(tx: Parameters<Parameters<Db["transaction"]>[0]>[0], now: number) {
  const users = STAFF.map((person) => ({
    id: newId("usr"),
    facilityId: DEMO.facilities[person.facility]!.id,
    source: "manual" as const,
    firstName: person.firstName,
    lastName: person.lastName,
    email: person.email,
    mobilePhone: person.mobilePhone,
    personType: "staff",
    createdAt: now,
    updatedAt: now,
  }));
  await tx.insert(accessUser).values(users);
  await tx
    .insert(accessGrant)
    .values(users.map((user) => ({ id: newId("grt"), userId: user.id, name: "All doors", createdAt: now })));
  const hour = 3_600_000;
  await tx.insert(accessLogEntry).values(
    users.flatMap((user, u) =>
      Array.from({ length: 6 }, (_, i) => ({
        facilityId: user.facilityId,
        userId: user.id,
        personName: `${user.firstName} ${user.lastName}`,
        externalId: null,
        door: DOORS[(u + i) % DOORS.length]!,
        result: i === 4 ? ("denied" as const) : ("granted" as const),
        at: now - (i * 26 + u) * hour,
      })),
    ),
  );
}

/** Where the demo partner pushes its signed webhooks: the local Worker, with the seeded secrets. */
export async function demoWebhookTargets(db: Db, apiUrl: string, secrets: SecretBox) {
  const [partner] = await db
    .select({ secret: integration.webhookSecret })
    .from(integration)
    .where(eq(integration.id, DEMO.integrationId));
  const [cctv] = await db
    .select({ secret: cctvSource.webhookSecret })
    .from(cctvSource)
    .where(eq(cctvSource.facilityId, DEMO.cctvFacilityId));
  if (!partner || !cctv) throw new Error("the demo integration or CCTV source is missing from the database");
  return {
    integration: {
      url: `${apiUrl}/webhooks/integrations/${DEMO.integrationId}`,
      secret: await secrets.open(partner.secret),
    },
    cctv: {
      [DEMO.cctvFacilityId]: {
        url: `${apiUrl}/webhooks/cctv/${DEMO.cctvFacilityId}`,
        secret: await secrets.open(cctv.secret),
      },
    },
  };
}
