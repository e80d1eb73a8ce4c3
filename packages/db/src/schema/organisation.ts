import { sqliteTable, text, integer, primaryKey, index } from "drizzle-orm/sqlite-core";
import { epochMs } from "./columns";
import { authUser } from "./auth";
import { INTEGRATION_SYSTEMS } from "./systems";

export const organisation = sqliteTable("organisation", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /**
   * The catalog's directory (ADR 0021): the database holding this organisation's data, by name (Turso's
   * database name; locally a file of the libSQL endpoint). Null: its data lives in the catalog database
   * itself, the single-database layout of tests and of deployments from before the split.
   */
  databaseName: text("database_name").unique(),
  createdAt: epochMs("created_at").notNull(),
});

export const facility = sqliteTable(
  "facility",
  {
    id: text("id").primaryKey(),
    organisationId: text("organisation_id")
      .notNull()
      .references(() => organisation.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** IANA zone: the nightly pass runs at night in the facility's own time. */
    timeZone: text("time_zone").notNull(),
    /** ISO 3166 alpha-2: national-format phone numbers are read in this country. */
    countryCode: text("country_code").notNull(),
    nightlyHour: integer("nightly_hour").notNull().default(3),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [index("facility_organisation_idx").on(t.organisationId)],
);

export const organisationMember = sqliteTable(
  "organisation_member",
  {
    userId: text("user_id")
      .notNull()
      .references(() => authUser.id, { onDelete: "cascade" }),
    organisationId: text("organisation_id")
      .notNull()
      .references(() => organisation.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin"] }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.organisationId] })],
);

/** The facilities an admin may see and act on; everything facility-scoped checks this. */
export const facilityGrant = sqliteTable(
  "facility_grant",
  {
    userId: text("user_id")
      .notNull()
      .references(() => authUser.id, { onDelete: "cascade" }),
    facilityId: text("facility_id")
      .notNull()
      .references(() => facility.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.userId, t.facilityId] }), index("facility_grant_facility_idx").on(t.facilityId)],
);

/**
 * The catalog's routing for webhooks: whose database an integration's deliveries go to. Written when an
 * integration is connected; never changes (an integration does not move between organisations).
 */
export const integrationDirectory = sqliteTable("integration_directory", {
  integrationId: text("integration_id").primaryKey(),
  organisationId: text("organisation_id")
    .notNull()
    .references(() => organisation.id, { onDelete: "cascade" }),
  /**
   * The integration's system: the minute cron wakes only the organisations with a polled one (ADR 0021).
   * Null for an entry written before it was recorded, which is woken to be safe.
   */
  system: text("system", { enum: INTEGRATION_SYSTEMS }),
});
