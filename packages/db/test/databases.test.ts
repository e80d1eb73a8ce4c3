import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLibsqlHttpServer, type LibsqlHttpServer } from "@uas/libsql-http";
import { createNodeDb, migrateAll, migrateDb } from "../src/node";
import {
  accessUser,
  facility,
  integrationDirectory,
  organisation,
  openDatabases,
  provisionFacility,
  provisionOrganisation,
  registerIntegration,
  type DatabaseLayout,
  type Db,
} from "../src";

let dir: string;
let server: LibsqlHttpServer;
let layout: DatabaseLayout;
const opened: Db[] = [];
const open = (url: string) => {
  const db = createNodeDb({ url, authToken: server.authToken });
  opened.push(db);
  return db;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "uas-databases-"));
  server = await startLibsqlHttpServer({ file: join(dir, "catalog.db"), port: 0, databasesDir: join(dir, "orgs") });
  layout = {
    catalog: { url: server.url, authToken: server.authToken },
    organisationUrlTemplate: server.databaseUrl("{database}"),
  };
  await migrateDb(open(server.url));
});
afterAll(async () => {
  for (const db of opened) db.$client.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("a database per organisation (ADR 0021)", () => {
  it("migrates every database the catalog names, and provisions an organisation into its own", async () => {
    const catalog = open(server.url);
    const now = Date.now();
    for (const name of ["org-one", "org-two"]) {
      await catalog.insert(organisation).values({ id: `org_${name}`, name, databaseName: name, createdAt: now });
    }
    const { migrated } = await migrateAll(layout);
    expect(migrated.sort()).toEqual(["org-one", "org-two"]);
    // Again: nothing to apply, nothing fails.
    expect((await migrateAll(layout)).migrated.sort()).toEqual(["org-one", "org-two"]);

    const one = open(server.databaseUrl("org-one"));
    const two = open(server.databaseUrl("org-two"));
    const stores = { catalog, organisation: one };
    await provisionOrganisation(stores, { id: "org_org-one", name: "org-one", databaseName: "org-one" }, now);
    await provisionFacility(
      stores,
      { id: "fac_one", organisationId: "org_org-one", name: "One", timeZone: "Europe/London", countryCode: "GB" },
      now,
    );
    // Idempotent: a provisioning run that stopped half-way is finished by running it again.
    await provisionFacility(
      stores,
      { id: "fac_one", organisationId: "org_org-one", name: "One", timeZone: "Europe/London", countryCode: "GB" },
      now,
    );
    expect(await one.select().from(facility).where(eq(facility.id, "fac_one"))).toHaveLength(1);
    expect(await catalog.select().from(facility).where(eq(facility.id, "fac_one"))).toHaveLength(1);
    expect(await two.select().from(facility).where(eq(facility.id, "fac_one"))).toHaveLength(0);

    await one.insert(accessUser).values({
      id: "usr_one",
      facilityId: "fac_one",
      source: "manual",
      firstName: "Only",
      lastName: "One",
      email: "only@one.test",
      createdAt: now,
      updatedAt: now,
    });
    await registerIntegration(catalog, {
      integrationId: "int_one",
      organisationId: "org_org-one",
      system: "abc-ignite",
    });

    const databases = openDatabases(layout);
    expect(await databases.organisationOfFacility("fac_one")).toBe("org_org-one");
    expect(await databases.organisationOfIntegration("int_one")).toBe("org_org-one");
    expect(await databases.organisationOfIntegration("int_unknown")).toBeUndefined();
    const routed = await databases.forOrganisation("org_org-one");
    expect(await routed.select().from(accessUser).where(eq(accessUser.id, "usr_one"))).toHaveLength(1);
    const other = await databases.forOrganisation("org_org-two");
    expect(await other.select().from(accessUser).where(eq(accessUser.id, "usr_one"))).toHaveLength(0);
    expect((await databases.list()).map((entry) => entry.organisationId)).toEqual([
      undefined,
      "org_org-one",
      "org_org-two",
    ]);
  });

  it("lists for the minute cron only the databases whose organisation connected a polled system", async () => {
    const catalog = open(server.url);
    const databases = openDatabases(layout);
    const polled = async () =>
      (await databases.list({ connectedTo: ["abc-ignite"] })).map((entry) => entry.organisationId);
    await registerIntegration(catalog, { integrationId: "int_two", organisationId: "org_org-two", system: "mindbody" });
    expect(await polled()).toEqual([undefined, "org_org-one"]);
    // An entry from before the system was recorded is woken, to be safe.
    await catalog.insert(integrationDirectory).values({ integrationId: "int_old", organisationId: "org_org-two" });
    expect(await polled()).toEqual([undefined, "org_org-one", "org_org-two"]);
    await catalog.delete(integrationDirectory).where(eq(integrationDirectory.integrationId, "int_old"));
  });

  it("names the missing setting when an organisation's database has no URL template", async () => {
    const databases = openDatabases({ catalog: layout.catalog });
    await expect(databases.forOrganisation("org_org-two")).rejects.toThrow(/ORGANISATION_DATABASE_URL/);
  });
});
