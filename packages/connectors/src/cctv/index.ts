import { SOURCE_CONTRACTS } from "@uas/domain";
import { z } from "zod";
import type { Connector } from "../connector";
import { withPageSize } from "../partner-api";
import { contractPage, contractRecord, trimSlash } from "../shared/contract-listing";
import { parseContractEvent, verifyStandardWebhook } from "../shared/standard-webhooks";

/**
 * The CCTV/Computer Vision module (partner-contract.md): one source per facility, so the facility is its
 * account: `GET {base}/facilities/{facilityId}/people` with cursor paging, `.../people/{person_id}`, and
 * Standard Webhooks v1 events `person.identified` / `person.removed` on `/webhooks/cctv/{facilityId}`.
 */
export type CctvCredentials = { apiKey: string; facilityId: string };

const credentialsSchema = z
  .object({ apiKey: z.string().min(1, "Enter the API key"), facilityId: z.string().min(1) })
  .strict();

/** The people listing of one facility at a CCTV base URL. */
export const peopleUrl = (baseUrl: string, facilityId: string) =>
  `${trimSlash(baseUrl)}/facilities/${encodeURIComponent(facilityId)}/people`;

export const cctvConnector: Connector<CctvCredentials> = {
  system: "cctv",
  credentialsSchema,
  supportsDelta: false,
  async testConnection(context) {
    await contractPage(withPageSize(context, 1), peopleUrl(context.baseUrl, context.credentials.facilityId), null);
  },
  // The facility is the location: nothing to map.
  async locations(context) {
    return [{ id: context.credentials.facilityId, name: "This facility" }];
  },
  listPage(context, request) {
    return contractPage(context, peopleUrl(context.baseUrl, context.credentials.facilityId), request.cursor);
  },
  fetchOne(context, externalId) {
    return contractRecord(context, peopleUrl(context.baseUrl, context.credentials.facilityId), externalId);
  },
  webhooks: {
    verify: verifyStandardWebhook,
    parse: (request) => parseContractEvent(request, SOURCE_CONTRACTS.cctv.parseEvent),
  },
  // CCTV records carry no membership status.
  statusLabel: (raw) => raw,
};
