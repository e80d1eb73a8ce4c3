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
  provisionOrganisation,
  provisionFacility,
  insertFacility,
  registerIntegration,
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
  /** Its own database (ADR 0021): `.data/orgs/org-demo.db` behind the local libSQL endpoint. */
  databaseName: "org-demo",
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

/**
 * The demo's second organisation, in a database of its own beside the first, with its own admin: neither
 * admin sees the other's facilities, and neither organisation's data is in the other's database.
 */
export const HARBOUR = {
  organisationId: "org_harbour",
  organisationName: "Harbour Climbing Co",
  databaseName: "org-harbour",
  facility: { id: "fac_harbour_wall", name: "Harbour Wall", timeZone: "Australia/Sydney", countryCode: "AU" },
  admin: {
    id: "usr_harbour_admin",
    name: "Harbour Admin",
    email: "admin@harbour.climbing",
    password: "harbour-admin-2026",
  },
  staff: [
    { firstName: "Ngaio", lastName: "Walker", email: "ngaio.walker@harbour.climbing", mobilePhone: "+61491570156" },
    { firstName: "Sam", lastName: "Oduya", email: "sam.oduya@harbour.climbing", mobilePhone: null },
  ],
} as const;

/** The catalog, and each organisation's database by name (opened, migrated, on first use). */
export type DemoStores = { catalog: Db; organisation: (databaseName: string) => Promise<Db> };

/** The native systems' simulators: their API bases, keys and the secrets that sign their webhooks. */
export type NativeWiring = {
  mindbody: { apiBaseUrl: string; apiKey: string; messageSignatureKey: string };
  pushpress: { apiBaseUrl: string; apiKey: string; signingSecret: string };
  glofox: { apiBaseUrl: string; apiKey: string; apiToken: string; webhookSecret: string };
  abcIgnite: { apiBaseUrl: string; appId: string; appKey: string };
};

/** `secrets` seals the partner key and webhook secrets as the Worker does (SECRETS_KEY). */
export type DemoWiring = { partnerUrl: string; partnerApiKey: string; secrets: SecretBox; native?: NativeWiring };

/**
 * Seeds the demo once (first start); afterwards only re-points it at this run's demo partner. Returns the
 * database holding the demo organisation's data: its own (ADR 0021), or the catalog for a data directory
 * seeded before the split.
 */
export async function seedDemo(
  stores: DemoStores,
  wiring: DemoWiring,
  now = Date.now(),
): Promise<{ seeded: boolean; demoDb: Db }> {
  const { catalog } = stores;
  const [existing] = await catalog.select().from(organisation).where(eq(organisation.id, DEMO.organisationId));
  await seedHarbour(stores, now);
  if (existing) {
    const demoDb = existing.databaseName ? await stores.organisation(existing.databaseName) : catalog;
    await rewireDemo(demoDb, wiring);
    if (wiring.native) await seedNativeDemo({ catalog, organisation: demoDb }, wiring.native, wiring.secrets, now);
    return { seeded: false, demoDb };
  }
  const demoDb = await stores.organisation(DEMO.databaseName);
  const sealedApiKey = await wiring.secrets.seal(wiring.partnerApiKey);
  const [integrationSecret, cctvSecret] = await Promise.all([
    wiring.secrets.seal(newWebhookSecret()),
    wiring.secrets.seal(newWebhookSecret()),
  ]);
  // The organisation's own data first, in one transaction; the catalog's entry last, so a first start that
  // stopped half-way is seeded again from the start (after the data directory is removed).
  await demoDb.transaction(async (tx) => {
    await provisionOrganisation(
      { catalog: tx, organisation: tx },
      { id: DEMO.organisationId, name: DEMO.organisationName, databaseName: null },
      now,
    );
    for (const f of DEMO.facilities) await insertFacility(tx, demoFacility(f), now);
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
  await catalog.transaction(async (tx) => {
    await provisionOrganisation(
      { catalog: tx, organisation: demoDb },
      { id: DEMO.organisationId, name: DEMO.organisationName, databaseName: DEMO.databaseName },
      now,
    );
    for (const f of DEMO.facilities)
      await provisionFacility({ catalog: tx, organisation: demoDb }, demoFacility(f), now);
    await insertAdmin(tx, { ...DEMO.admin, accountId: `acc_${DEMO.admin.id}` }, now);
    await addOrganisationMember(tx, { userId: DEMO.admin.id, organisationId: DEMO.organisationId, role: "owner" });
    await grantFacilities(
      tx,
      DEMO.admin.id,
      DEMO.facilities.map((f) => f.id),
    );
    await registerIntegration(tx, {
      integrationId: DEMO.integrationId,
      organisationId: DEMO.organisationId,
      system: "partner-api",
    });
  });
  if (wiring.native) await seedNativeDemo({ catalog, organisation: demoDb }, wiring.native, wiring.secrets, now);
  return { seeded: true, demoDb };
}

function demoFacility(f: (typeof DEMO.facilities)[number]) {
  return {
    id: f.id,
    organisationId: DEMO.organisationId,
    name: f.name,
    timeZone: f.timeZone,
    countryCode: f.countryCode,
  };
}

/** The second organisation, seeded once: its data in its own database, its admin and facility in the catalog. */
async function seedHarbour(stores: DemoStores, now: number): Promise<void> {
  const [existing] = await stores.catalog
    .select({ id: organisation.id })
    .from(organisation)
    .where(eq(organisation.id, HARBOUR.organisationId));
  if (existing) return;
  const harbourDb = await stores.organisation(HARBOUR.databaseName);
  const facilityInput = { ...HARBOUR.facility, organisationId: HARBOUR.organisationId };
  await harbourDb.transaction(async (tx) => {
    await provisionOrganisation(
      { catalog: tx, organisation: tx },
      { id: HARBOUR.organisationId, name: HARBOUR.organisationName, databaseName: null },
      now,
    );
    await insertFacility(tx, facilityInput, now);
    await tx.insert(accessUser).values(
      HARBOUR.staff.map((person) => ({
        id: newId("usr"),
        facilityId: HARBOUR.facility.id,
        source: "manual" as const,
        ...person,
        personType: "staff",
        createdAt: now,
        updatedAt: now,
      })),
    );
  });
  await stores.catalog.transaction(async (tx) => {
    const own = { catalog: tx, organisation: harbourDb };
    await provisionOrganisation(
      own,
      { id: HARBOUR.organisationId, name: HARBOUR.organisationName, databaseName: HARBOUR.databaseName },
      now,
    );
    await provisionFacility(own, facilityInput, now);
    await insertAdmin(tx, { ...HARBOUR.admin, accountId: `acc_${HARBOUR.admin.id}` }, now);
    await addOrganisationMember(tx, {
      userId: HARBOUR.admin.id,
      organisationId: HARBOUR.organisationId,
      role: "owner",
    });
    await grantFacilities(tx, HARBOUR.admin.id, [HARBOUR.facility.id]);
  });
}

/**
 * "Demo Mindbody" and "Demo PushPress", connected to Northside like the partner, and "Demo Glofox" and
 * "Demo ABC Ignite" on Riverside (the facilities' sources
 * still start off). Added to a data directory made before they existed; re-pointed at this run's
 * simulators on every start, with the signing secrets the simulators were given.
 */
async function seedNativeDemo(
  stores: { catalog: Db; organisation: Db },
  native: NativeWiring,
  secrets: SecretBox,
  now: number,
) {
  const db = stores.organisation;
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
    await registerIntegration(stores.catalog, {
      integrationId: row.id,
      organisationId: DEMO.organisationId,
      system: row.system,
    });
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
