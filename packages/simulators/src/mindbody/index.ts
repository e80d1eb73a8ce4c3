import { hasBearer, listen, segmentsAfter, sendJson } from "../shared/http";
import { DailyQuota, PerSecondLimit } from "../shared/limits";
import { readState, stateWriter } from "../shared/state-file";
import { FilterCache } from "../shared/store";
import type { Traps } from "../shared/traps";
import type { MindbodyContext, StaffUser } from "./context";
import { handleControl } from "./control";
import { DEFAULT_LOCATIONS, DEFAULT_SITE_ID, generateClients } from "./generate";
import { PUBLIC_API_PREFIX, handlePublicApi } from "./public-api";
import { PUSH_API_PREFIX, handlePushApi } from "./push-api";
import { MindbodySite } from "./site";
import { EVENT_IDS, type MindbodyLocation, type SiteClient } from "./types";
import { SubscriptionRegistry, type MindbodyDeliveryOptions } from "./webhooks";

export * from "./types";
export { mindbodySignature } from "./signature";
export { DEFAULT_LIMIT, MAX_LIMIT, MAX_CLIENT_IDS, PUBLIC_API_PREFIX } from "./public-api";
export { PUSH_API_PREFIX } from "./push-api";
export { DEFAULT_LOCATIONS, DEFAULT_SITE_ID, generateClients } from "./generate";
export type { StaffUser } from "./context";
export type { MindbodyDeliveryOptions } from "./webhooks";

export const DEFAULT_STAFF: StaffUser[] = [
  { username: "owner", password: "owner-password", canViewClients: true },
  { username: "frontdesk", password: "frontdesk-password", canViewClients: false },
];

export interface MindbodySimulatorOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  unref?: boolean;
  /** Bearer key of the /control endpoints. */
  controlKey: string;
  /** Developer API keys accepted by the Public API (`Api-Key`) and the Webhooks API (`API-Key`). */
  apiKeys: string[];
  siteId?: number;
  /** Sites that exist but have not activated this developer account: 403 DeniedAccess instead of 400 InvalidSiteId. */
  otherSiteIds?: number[];
  locations?: MindbodyLocation[];
  staff?: StaffUser[];
  clientCount?: number;
  seed?: number;
  /** Keeps the clients across restarts (loaded if present, else generated and written). Subscriptions are not kept. */
  stateFile?: string;
  /** Free calls per API key per UTC day (default 1,000). */
  dailyCallQuota?: number;
  quotaMode?: "bill" | "block";
  /** Requests per second before 429 (default: no burst limit, Mindbody publishes none). */
  burstPerSecond?: number;
  /** An Active subscription from the start, signing with this key (what `.data/dev.json` holds as webhookSecret). */
  webhookTarget?: { url: string; messageSignatureKey: string; eventIds?: string[] };
  delivery?: MindbodyDeliveryOptions;
  /** Real Mindbody requires https webhook URLs; off by default so loopback targets work. */
  requireHttps?: boolean;
  tokenTtlMs?: number;
  now?: () => number;
}

export interface MindbodySimulator {
  url: string;
  /** `${url}/public/v6` */
  apiBaseUrl: string;
  /** `${url}/push/api/v1` */
  webhooksApiBaseUrl: string;
  siteId: number;
  site: MindbodySite;
  traps: Traps;
  usage(): ReturnType<DailyQuota["snapshot"]>;
  /** Resolves once every webhook message sent so far is delivered or given up. */
  webhooksIdle(): Promise<void>;
  close(): Promise<void>;
}

const STATE_KIND = "mindbody";

export async function startMindbodySimulator(options: MindbodySimulatorOptions): Promise<MindbodySimulator> {
  if (!options.controlKey) throw new Error("startMindbodySimulator: controlKey is required");
  if (options.apiKeys.length === 0) throw new Error("startMindbodySimulator: at least one API key is required");
  const now = options.now ?? Date.now;
  const siteId = options.siteId ?? DEFAULT_SITE_ID;
  const locations = options.locations ?? DEFAULT_LOCATIONS;
  const saved =
    options.stateFile === undefined ? undefined : readState<{ clients: SiteClient[] }>(options.stateFile, STATE_KIND);
  const clients =
    saved?.clients ??
    generateClients({ seed: options.seed ?? 42, count: options.clientCount ?? 300, siteId, locations });

  const webhooks = new SubscriptionRegistry(now, options.delivery);
  const site = new MindbodySite(siteId, locations, clients, webhooks, now);
  if (options.webhookTarget) {
    webhooks.create({
      ownerKey: options.apiKeys[0] as string,
      eventIds: options.webhookTarget.eventIds ?? [...EVENT_IDS],
      eventSchemaVersion: 1,
      referenceId: "configured",
      webhookUrl: options.webhookTarget.url,
      messageSignatureKey: options.webhookTarget.messageSignatureKey,
      status: "Active",
    });
  }
  const writer =
    options.stateFile === undefined
      ? undefined
      : stateWriter(options.stateFile, STATE_KIND, () => ({ clients: site.store.list() }));
  if (writer) {
    site.onChange = writer.schedule;
    if (saved === undefined) writer.schedule();
  }

  const quota = new DailyQuota(options.dailyCallQuota ?? 1000, now);
  const ctx: MindbodyContext = {
    site,
    webhooks,
    traps: {},
    apiKeys: new Set(options.apiKeys),
    otherSiteIds: new Set(options.otherSiteIds ?? []),
    staff: options.staff ?? DEFAULT_STAFF,
    tokens: new Map(),
    tokenTtlMs: options.tokenTtlMs ?? 7 * 24 * 3600 * 1000,
    quota,
    quotaMode: options.quotaMode ?? "bill",
    burst: options.burstPerSecond === undefined ? undefined : new PerSecondLimit(options.burstPerSecond, now),
    requireHttps: options.requireHttps ?? false,
    controlKey: options.controlKey,
    now,
    listingCache: new FilterCache(),
  };

  const server = await listen(
    "mindbody-simulator",
    async (req, res, url) => {
      if (url.pathname === "/health") return sendJson(res, 200, { status: "ok" });
      const control = segmentsAfter(url.pathname, "/control");
      if (control !== undefined) {
        if (!hasBearer(req, ctx.controlKey))
          return sendJson(res, 401, { message: "Missing or invalid bearer token" }, { "WWW-Authenticate": "Bearer" });
        return handleControl(ctx, req, res, control);
      }
      if (url.pathname.startsWith(`${PUBLIC_API_PREFIX}/`)) {
        return handlePublicApi(ctx, req, res, url, url.pathname.slice(PUBLIC_API_PREFIX.length).toLowerCase());
      }
      const push = segmentsAfter(url.pathname, PUSH_API_PREFIX);
      if (push !== undefined) return handlePushApi(ctx, req, res, push);
      sendJson(res, 404, { Error: { Message: "Not found", Code: "ResourceDoesNotExist" } });
    },
    options,
  );

  return {
    url: server.url,
    apiBaseUrl: `${server.url}${PUBLIC_API_PREFIX}`,
    webhooksApiBaseUrl: `${server.url}${PUSH_API_PREFIX}`,
    siteId,
    site,
    traps: ctx.traps,
    usage: () => quota.snapshot(),
    webhooksIdle: () => webhooks.deliverer.idle(),
    close: async () => {
      webhooks.deliverer.close();
      writer?.flush();
      await server.close();
    },
  };
}
