import type { Connector } from "../connector";
import { type PushPressCredentials, pushpressCredentialsSchema } from "./api";
import { checkConnection, companyLocations, fetchCustomer, listCustomersPage } from "./listing";
import { pushpressStatusLabel } from "./records";
import { pushpressSubscriptions } from "./subscriptions";
import { pushpressWebhooks } from "./webhooks";

export type { PushPressCredentials } from "./api";
export { PUSHPRESS_EVENT_TYPES } from "./subscriptions";
export { pushpressEventKey } from "./webhooks";

/** PushPress API v3 + webhooks (README.md beside this file: facts and decisions). */
export const pushpressConnector: Connector<PushPressCredentials> = {
  system: "pushpress",
  credentialsSchema: pushpressCredentialsSchema,
  testConnection: checkConnection,
  locations: companyLocations,
  listPage: listCustomersPage,
  supportsDelta: false,
  fetchOne: fetchCustomer,
  webhooks: pushpressWebhooks,
  subscriptions: pushpressSubscriptions,
  statusLabel: pushpressStatusLabel,
};
