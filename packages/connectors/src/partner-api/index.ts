import { SOURCE_CONTRACTS } from "@uas/domain";
import { z } from "zod";
import type { ConnectionContext, Connector } from "../connector";
import { contractPage, contractRecord, trimSlash } from "../shared/contract-listing";
import { parseContractEvent, verifyStandardWebhook } from "../shared/standard-webhooks";

/**
 * Our own partner contract (partner-contract.md): `GET {base}/members` with cursor paging and a bearer
 * key, `GET {base}/members/{external_id}`, Standard Webhooks v1 events `member.upserted` / `member.removed`.
 * Records already have the contract's shape; nothing is translated.
 */
export type PartnerApiCredentials = { apiKey: string };

const credentialsSchema = z.object({ apiKey: z.string().min(1, "Enter the API key") }).strict();

/** The members listing of a partner's base URL. */
export const membersUrl = (baseUrl: string) => `${trimSlash(baseUrl)}/members`;

export const partnerApiConnector: Connector<PartnerApiCredentials> = {
  system: "partner-api",
  credentialsSchema,
  supportsDelta: false,
  async testConnection(context) {
    await contractPage(withPageSize(context, 1), membersUrl(context.baseUrl), null);
  },
  // The contract has no locations endpoint: the admin types the partner's location ids in the map.
  async locations() {
    return [];
  },
  listPage(context, request) {
    return contractPage(context, membersUrl(context.baseUrl), request.cursor);
  },
  fetchOne(context, externalId) {
    return contractRecord(context, membersUrl(context.baseUrl), externalId);
  },
  webhooks: {
    verify: verifyStandardWebhook,
    parse: (request) => parseContractEvent(request, SOURCE_CONTRACTS.integration.parseEvent),
  },
  // The contract's statuses are the product's words already; shown as the partner sends them.
  statusLabel: (raw) => raw,
};

export function withPageSize<C>(context: ConnectionContext<C>, pageSize: number): ConnectionContext<C> {
  return { ...context, tuning: { ...context.tuning, pageSize } };
}
