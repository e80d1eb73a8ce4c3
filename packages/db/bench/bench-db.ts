import { join } from "node:path";
import Database from "libsql";
import { sql } from "drizzle-orm";
import { createNodeDb, migrateDb } from "../src/node";
import type { Db } from "../src/database";
import { insertFacility, insertIntegration, insertOrganisation } from "../src/queries/provisioning";
import { updateSyncSettings } from "../src/queries/sync-settings";

const NOW = Date.UTC(2026, 10, 24, 12);

/** The file settings the dev endpoint (libsql-http) uses: WAL, synchronous=NORMAL. */
export async function openBenchDb(dir: string): Promise<{ db: Db; file: string }> {
  const file = join(dir, "engine.db");
  const native = new Database(file);
  native.exec("PRAGMA journal_mode = WAL");
  native.close();
  const db = createNodeDb({ url: `file:${file}` });
  await db.run(sql`PRAGMA synchronous = NORMAL`);
  await migrateDb(db);
  return { db, file };
}

export async function seedFacility(db: Db) {
  const organisation = await insertOrganisation(db, { name: "Bench Org" }, NOW);
  const facility = await insertFacility(
    db,
    { organisationId: organisation.id, name: "Bench Gym", timeZone: "Europe/London", countryCode: "GB" },
    NOW,
  );
  const integration = await insertIntegration(
    db,
    {
      organisationId: organisation.id,
      name: "Partner",
      baseUrl: "http://partner.test",
      apiKey: "k",
      locations: { "loc-1": facility.id },
    },
    NOW,
  );
  await updateSyncSettings(db, facility.id, { integrationsEnabled: true }, NOW);
  return { organisation, facility, integration };
}
