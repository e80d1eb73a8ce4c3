import { sqliteTable, text, primaryKey, index } from "drizzle-orm/sqlite-core";
import { epochMs, flag } from "./columns";
import { organisation, facility } from "./organisation";
import { INTEGRATION_SYSTEMS } from "./systems";

export { INTEGRATION_SYSTEMS, type IntegrationSystem } from "./systems";

/**
 * A member-management system, connected once per organisation: a partner implementing our contract
 * (`partner-api`) or a native system reached through its connector.
 */
export const integration = sqliteTable(
  "integration",
  {
    id: text("id").primaryKey(),
    organisationId: text("organisation_id")
      .notNull()
      .references(() => organisation.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    system: text("system", { enum: INTEGRATION_SYSTEMS }).notNull().default("partner-api"),
    baseUrl: text("base_url").notNull(),
    /** Sealed; for a native system its main key (the hint), the full credentials are in `credentials`. */
    apiKey: text("api_key").notNull(),
    /** Native systems: the connector's credentials as sealed JSON (`credentialsSchema`); null for partners. */
    credentials: text("credentials"),
    /** Native systems: the account at the system (Mindbody siteId, PushPress companyId, ABC clubId...). */
    accountId: text("account_id"),
    /** For a native system, the secret that signs its webhooks (Mindbody's messageSignatureKey...). */
    webhookSecret: text("webhook_secret").notNull(),
    previousWebhookSecret: text("previous_webhook_secret"),
    previousSecretValidUntil: epochMs("previous_secret_valid_until"),
    lastWebhookAt: epochMs("last_webhook_at"),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [index("integration_organisation_idx").on(t.organisationId)],
);

/** The partner's (or native system's) location ids, mapped to facilities: the location map. */
export const integrationLocation = sqliteTable(
  "integration_location",
  {
    integrationId: text("integration_id")
      .notNull()
      .references(() => integration.id, { onDelete: "cascade" }),
    locationId: text("location_id").notNull(),
    facilityId: text("facility_id")
      .notNull()
      .references(() => facility.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.integrationId, t.locationId] })],
);

/** "Sync from these integrations": a facility's opt-in to mirror one connected integration. */
export const facilityIntegration = sqliteTable(
  "facility_integration",
  {
    facilityId: text("facility_id")
      .notNull()
      .references(() => facility.id, { onDelete: "cascade" }),
    integrationId: text("integration_id")
      .notNull()
      .references(() => integration.id, { onDelete: "cascade" }),
    enabled: flag("enabled").notNull().default(true),
  },
  (t) => [primaryKey({ columns: [t.facilityId, t.integrationId] })],
);

/** The CCTV/Computer Vision module's connection for one facility. */
export const cctvSource = sqliteTable("cctv_source", {
  facilityId: text("facility_id")
    .primaryKey()
    .references(() => facility.id, { onDelete: "cascade" }),
  baseUrl: text("base_url").notNull(),
  apiKey: text("api_key").notNull(),
  webhookSecret: text("webhook_secret").notNull(),
  previousWebhookSecret: text("previous_webhook_secret"),
  previousSecretValidUntil: epochMs("previous_secret_valid_until"),
  lastWebhookAt: epochMs("last_webhook_at"),
  createdAt: epochMs("created_at").notNull(),
});
