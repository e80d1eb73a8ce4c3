import { type ConnectionContext, type Connector, type SystemId, connectorFor } from "@uas/connectors";
import type { SourceCredentials } from "@uas/db";
import { SOURCE_KINDS, type SourceTarget, senderId, targetIntegrationId } from "@uas/domain";
import { type PartnerUrlPolicy, policedFetch } from "./partner-url";

/** The Worker's LISTING_* settings, as a connector takes them. */
export type ListingTuning = NonNullable<ConnectionContext["tuning"]>;
export type ListingOptions = ListingTuning & { policy: PartnerUrlPolicy; fetch?: typeof fetch };

/** A facility's opened source credentials (`loadSourceCredentials`). */
export type FacilitySources = { integrations: Map<string, SourceCredentials>; cctv: SourceCredentials | undefined };

export type SourceConnection = { connector: Connector<any>; context: ConnectionContext<any> };

/**
 * The one builder of a connector's context, whoever calls (passes, "Sync this person now", the webhook
 * route, the Integrations page): where the system is, its credentials, the Worker's fetch behind the URL
 * policy (ADR 0012) and the LISTING_* tuning.
 */
export function contextOf<C>(input: {
  baseUrl: string;
  credentials: C;
  options: ListingOptions | (Omit<ListingTuning, "pageSize"> & { policy: PartnerUrlPolicy; fetch?: typeof fetch });
}): ConnectionContext<C> {
  const { policy, fetch: baseFetch, ...tuning } = input.options;
  return { baseUrl: input.baseUrl, credentials: input.credentials, fetch: policedFetch(policy, baseFetch), tuning };
}

/**
 * The connector and its context for one sender: the system its kind speaks, the stored base URL and
 * key, and the Worker's fetch behind the URL policy (ADR 0012). A facility-scoped kind's account is the
 * facility itself. Throws, in words for the pass's reason, when the source is no longer configured.
 */
export function sourceConnection(
  target: SourceTarget,
  sources: FacilitySources,
  options: ListingOptions,
): SourceConnection {
  const kind = SOURCE_KINDS[target.source];
  const integrationId = targetIntegrationId(target);
  const stored = integrationId === null ? sources.cctv : sources.integrations.get(integrationId);
  if (!stored)
    throw new Error(
      integrationId === null
        ? `${kind.detailLabel} is not configured for this facility`
        : "the integration is no longer connected",
    );
  // A native member system (Mindbody, PushPress, ...) is reached with its own credentials; a partner and
  // CCTV with the contract's key.
  const native = stored.system !== undefined && stored.system !== kind.defaultSystem;
  const credentials: Record<string, string> = native
    ? { ...stored.systemCredentials }
    : integrationId === null
      ? { apiKey: stored.apiKey, facilityId: senderId(target) }
      : { apiKey: stored.apiKey };
  return {
    connector: connectorFor((native ? stored.system : kind.defaultSystem) as SystemId),
    context: contextOf({ baseUrl: stored.baseUrl, credentials, options }),
  };
}
