// `pnpm --filter @uas/db migrate`: the catalog (DATABASE_URL, DATABASE_AUTH_TOKEN) and then every
// organisation database of its directory (ORGANISATION_DATABASE_URL with {database}; Turso's group token in
// ORGANISATION_DATABASE_AUTH_TOKEN, else DATABASE_AUTH_TOKEN).
import { migrateAll } from "./node";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set: it names the catalog database");
  process.exit(2);
}
const { migrated } = await migrateAll({
  catalog: { url, authToken: process.env.DATABASE_AUTH_TOKEN },
  organisationUrlTemplate: process.env.ORGANISATION_DATABASE_URL,
  organisationAuthToken: process.env.ORGANISATION_DATABASE_AUTH_TOKEN,
});
console.log(`migrated the catalog and ${migrated.length} organisation database(s): ${migrated.join(", ") || "none"}`);
