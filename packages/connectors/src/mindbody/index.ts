import type { Connector } from "../connector";
import { type MindbodyCredentials, mindbodyCredentialsSchema } from "./api";
import { checkConnection, fetchClient, listClientsPage, listLocations } from "./listing";
import { mindbodyStatusLabel } from "./records";
import { mindbodySubscriptions } from "./subscriptions";
import { mindbodyWebhooks } from "./webhooks";

export type { MindbodyCredentials } from "./api";
export { MINDBODY_EVENT_IDS } from "./subscriptions";

/** Mindbody Public API v6 + Webhooks API (README.md beside this file: facts, decisions, quota). */
export const mindbodyConnector: Connector<MindbodyCredentials> = {
  system: "mindbody",
  credentialsSchema: mindbodyCredentialsSchema,
  testConnection: checkConnection,
  locations: listLocations,
  listPage: listClientsPage,
  supportsDelta: true,
  fetchOne: fetchClient,
  webhooks: mindbodyWebhooks,
  subscriptions: mindbodySubscriptions,
  statusLabel: mindbodyStatusLabel,
};
