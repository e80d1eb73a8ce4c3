import { loadSourceCredentials, type Db, type SecretBox } from "@uas/db";
import type { ListingFactory } from "@uas/engine";
import { httpListing, type HttpSourceOptions } from "./listing-client";

export type ListingTuning = Pick<HttpSourceOptions, "pageSize" | "timeoutMs" | "retries" | "minRetryDelayMs">;
export type ListingOptions = ListingTuning & Pick<HttpSourceOptions, "policy">;

const trimSlash = (url: string) => url.replace(/\/+$/, "");

export function memberListingUrl(baseUrl: string) {
  return `${trimSlash(baseUrl)}/members`;
}

export function cctvListingUrl(baseUrl: string, facilityId: string) {
  return `${trimSlash(baseUrl)}/facilities/${encodeURIComponent(facilityId)}/people`;
}

/** Loads the credentials of a facility's sources once, then hands out one HTTP listing per target. */
export async function loadListingFactory(
  db: Db,
  facility: { id: string; organisationId: string },
  tuning: ListingOptions,
  secrets: SecretBox,
): Promise<ListingFactory> {
  const credentials = await loadSourceCredentials(
    db,
    { organisationId: facility.organisationId, facilityId: facility.id },
    secrets,
  );
  return (target) => {
    if (target.source === "cctv") {
      if (!credentials.cctv) throw new Error("CCTV/Computer Vision is not configured for this facility");
      return httpListing({
        ...tuning,
        url: cctvListingUrl(credentials.cctv.baseUrl, target.facilityId),
        apiKey: credentials.cctv.apiKey,
      });
    }
    const integration = target.integrationId ? credentials.integrations.get(target.integrationId) : undefined;
    if (!integration) throw new Error("the integration is no longer connected");
    return httpListing({ ...tuning, url: memberListingUrl(integration.baseUrl), apiKey: integration.apiKey });
  };
}
