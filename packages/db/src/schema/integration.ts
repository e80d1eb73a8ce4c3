import { sqliteTable, text, primaryKey, index } from "drizzle-orm/sqlite-core";
import { epochMs, flag } from "./columns";
import { organisation, facility } from "./organisation";

/** A member-management partner, connected once per organisation. */
export const integration = sqliteTable(
  "integration",
  {
    id: text("id").primaryKey(),
    organisationId: text("organisation_id")
      .notNull()
      .references(() => organisation.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    baseUrl: text("base_url").notNull(),
    apiKey: text("api_key").notNull(),
    webhookSecret: text("webhook_secret").notNull(),
    previousWebhookSecret: text("previous_webhook_secret"),
    previousSecretValidUntil: epochMs("previous_secret_valid_until"),
    lastWebhookAt: epochMs("last_webhook_at"),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [index("integration_organisation_idx").on(t.organisationId)],
);

/** The partner's location ids, mapped to facilities. */
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
