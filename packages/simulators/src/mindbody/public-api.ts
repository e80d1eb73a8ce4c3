import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { header, readJsonObject, secretEquals, sendJson } from "../shared/http";
import { applyListingTraps, takeFailure } from "../shared/traps";
import type { MindbodyContext } from "./context";
import { isoSeconds, type SiteClient } from "./types";

export const PUBLIC_API_PREFIX = "/public/v6";
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 200;
export const MAX_CLIENT_IDS = 20;

function fail(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { Error: { Message: message, Code: code } }, headers);
}

/**
 * Mindbody Public API v6, the part a member sync uses. Checks run in the order a request meets them:
 * the developer's Api-Key (and its daily quota), the SiteId, then the staff user token and its permission.
 */
export async function handlePublicApi(
  ctx: MindbodyContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
): Promise<void> {
  const apiKey = header(req, "api-key");
  if (apiKey === undefined || ![...ctx.apiKeys].some((key) => secretEquals(apiKey, key))) {
    return fail(res, 401, "DeniedAccess", "Api-Key is missing or invalid.");
  }
  const calls = ctx.quota.count(apiKey);
  if (ctx.quotaMode === "block" && calls > ctx.quota.limit) {
    return fail(res, 429, "TooManyRequests", `Daily call limit of ${ctx.quota.limit} reached for this Api-Key.`, {
      "Retry-After": String(ctx.quota.secondsUntilReset()),
    });
  }
  if (ctx.burst && !ctx.burst.take()) {
    return fail(res, 429, "TooManyRequests", "Too many requests; slow down.", {
      "Retry-After": String(ctx.burst.retryAfterSeconds()),
    });
  }

  const outage = takeFailure(ctx.traps);
  if (outage !== undefined)
    return fail(
      res,
      outage,
      "Unknown",
      "Injected outage: the service is unavailable.",
      outage === 503 ? { "Retry-After": "1" } : {},
    );

  const rawSite = header(req, "siteid");
  const siteId = rawSite === undefined || !/^-?\d+$/.test(rawSite) ? Number.NaN : Number(rawSite);
  if (ctx.otherSiteIds.has(siteId)) {
    return fail(
      res,
      403,
      "DeniedAccess",
      `Site ${siteId} has not granted this developer account access to its data (activation required).`,
    );
  }
  if (siteId !== ctx.site.siteId) {
    return fail(
      res,
      400,
      "InvalidSiteId",
      rawSite === undefined ? "The SiteId header is required." : `SiteId ${rawSite} does not exist.`,
    );
  }

  if (req.method === "POST" && path === "/usertoken/issue") return issueToken(ctx, req, res);
  if (req.method !== "GET")
    return fail(res, 405, "InvalidParameter", `${req.method ?? ""} is not supported on ${path}.`);

  // Site information needs no staff token; client data does.
  if (path === "/site/locations") return paged(res, url, "Locations", ctx.site.locations);
  if (path === "/site/sites")
    return paged(res, url, "Sites", [
      { Id: ctx.site.siteId, Name: "Simulated Mindbody site", LocationIds: ctx.site.locations.map((l) => l.Id) },
    ]);

  const token = /^(?:Bearer\s+)?(\S+)$/i.exec(header(req, "authorization") ?? "")?.[1];
  const session = token === undefined ? undefined : ctx.tokens.get(token);
  if (session === undefined || session.expiresAt <= ctx.now()) {
    return fail(
      res,
      401,
      "InvalidStaffCredentials",
      "The Authorization staff user token is missing, invalid or expired.",
    );
  }
  if (!session.staff.canViewClients) {
    return fail(
      res,
      403,
      "InvalidUserAccessLevel",
      `Staff user ${session.staff.username} does not have permission to view client information.`,
    );
  }

  if (path === "/client/clients") return listClients(ctx, res, url);
  if (path === "/client/clientcompleteinfo") return completeInfo(ctx, res, url);
  if (path === "/client/activeclientmemberships") return activeMemberships(ctx, res, url);
  return fail(res, 404, "ResourceDoesNotExist", `No endpoint ${PUBLIC_API_PREFIX}${path}.`);
}

async function issueToken(ctx: MindbodyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  const staff = ctx.staff.find(
    (s) => s.username === body?.Username && secretEquals(String(body?.Password ?? ""), s.password),
  );
  if (staff === undefined) return fail(res, 401, "InvalidStaffCredentials", "Username or Password is incorrect.");
  const accessToken = randomBytes(24).toString("hex");
  const expiresAt = ctx.now() + ctx.tokenTtlMs;
  ctx.tokens.set(accessToken, { staff, expiresAt });
  sendJson(res, 200, {
    TokenType: "Bearer",
    AccessToken: accessToken,
    Expires: isoSeconds(expiresAt),
    User: { Id: ctx.staff.indexOf(staff) + 1, FirstName: staff.username, LastName: "Staff", Type: "Staff" },
  });
}

/** Query parameters are read without regard to case, with or without the `request.` prefix. */
function params(url: URL, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, value] of url.searchParams) {
    const lower = key.toLowerCase();
    if (lower === `request.${wanted}` || lower === wanted) values.push(value);
  }
  return values;
}

function param(url: URL, name: string): string | undefined {
  return params(url, name)[0];
}

function paging(url: URL): { limit: number; offset: number } | string {
  const rawLimit = param(url, "limit");
  const rawOffset = param(url, "offset");
  const limit = rawLimit === undefined ? DEFAULT_LIMIT : /^\d{1,6}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
  const offset = rawOffset === undefined ? 0 : /^\d{1,9}$/.test(rawOffset) ? Number(rawOffset) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) return `request.limit must be an integer from 1 to ${MAX_LIMIT}.`;
  if (!(offset >= 0)) return "request.offset must be an integer ≥ 0.";
  return { limit, offset };
}

function paged(res: ServerResponse, url: URL, key: string, rows: readonly unknown[], total = rows.length): void {
  const page = paging(url);
  if (typeof page === "string") return fail(res, 400, "InvalidParameter", page);
  const slice = rows.slice(page.offset, page.offset + page.limit);
  sendJson(res, 200, {
    PaginationResponse: {
      RequestedLimit: page.limit,
      RequestedOffset: page.offset,
      PageSize: slice.length,
      TotalResults: total,
    },
    [key]: slice,
  });
}

function bool(value: string | undefined): boolean | undefined | "invalid" {
  if (value === undefined) return undefined;
  if (/^true$/i.test(value)) return true;
  if (/^false$/i.test(value)) return false;
  return "invalid";
}

function listClients(ctx: MindbodyContext, res: ServerResponse, url: URL): void {
  const clientIds = params(url, "clientIds")
    .flatMap((value) => value.split(","))
    .map((id) => id.trim())
    .filter((id) => id !== "");
  if (clientIds.length > MAX_CLIENT_IDS)
    return fail(res, 400, "InvalidParameter", `request.clientIDs takes at most ${MAX_CLIENT_IDS} ids.`);
  // request.uniqueIds: the system-generated ids (Mindbody's docs: not together with ClientIDs or SearchText).
  const uniqueIds = params(url, "uniqueIds")
    .flatMap((value) => value.split(","))
    .map((id) => id.trim())
    .filter((id) => id !== "");
  if (uniqueIds.length > MAX_CLIENT_IDS)
    return fail(res, 400, "InvalidParameter", `request.uniqueIds takes at most ${MAX_CLIENT_IDS} ids.`);
  if (uniqueIds.some((id) => !/^\d{1,12}$/.test(id)))
    return fail(res, 400, "InvalidParameter", "request.uniqueIds takes integers.");
  if (uniqueIds.length > 0 && (clientIds.length > 0 || param(url, "searchText") !== undefined))
    return fail(
      res,
      400,
      "InvalidParameter",
      "request.uniqueIds cannot be used with request.clientIDs or request.searchText.",
    );
  const includeInactive = bool(param(url, "includeInactive"));
  const isProspect = bool(param(url, "isProspect"));
  if (includeInactive === "invalid" || isProspect === "invalid")
    return fail(res, 400, "InvalidParameter", "request.includeInactive and request.isProspect take true or false.");
  const rawSince = param(url, "lastModifiedDate");
  const since =
    rawSince === undefined
      ? undefined
      : Date.parse(/Z|[+-]\d\d:?\d\d$/.test(rawSince) || !rawSince.includes("T") ? rawSince : `${rawSince}Z`);
  if (since !== undefined && Number.isNaN(since))
    return fail(res, 400, "InvalidParameter", `request.lastModifiedDate "${rawSince}" is not a date.`);
  const search = param(url, "searchText")?.toLowerCase();

  const wanted = clientIds.length > 0 ? new Set(clientIds) : undefined;
  const wantedUnique = uniqueIds.length > 0 ? new Set(uniqueIds.map(Number)) : undefined;
  const filtered = ctx.listingCache.rows(
    ctx.site.store,
    JSON.stringify([clientIds, uniqueIds, includeInactive, isProspect, since, search]),
    ({ client }) => {
      if (wanted && !wanted.has(client.Id)) return false;
      if (wantedUnique && !wantedUnique.has(client.UniqueId)) return false;
      if (!wanted && !wantedUnique && includeInactive !== true && !client.Active) return false;
      if (isProspect !== undefined && client.IsProspect !== isProspect) return false;
      if (since !== undefined && Date.parse(client.LastModifiedDateTime) < since) return false;
      if (search && !`${client.FirstName} ${client.LastName} ${client.Email ?? ""}`.toLowerCase().includes(search))
        return false;
      return true;
    },
  );
  const page = paging(url);
  if (typeof page === "string") return fail(res, 400, "InvalidParameter", page);
  const { rows, total } = applyListingTraps(ctx.traps, filtered, page.offset, page.limit);
  const clients = rows.slice(page.offset, page.offset + page.limit).map((entry) => entry.client);
  sendJson(res, 200, {
    PaginationResponse: {
      RequestedLimit: page.limit,
      RequestedOffset: page.offset,
      PageSize: clients.length,
      TotalResults: total,
    },
    Clients: clients,
  });
}

function oneClient(ctx: MindbodyContext, res: ServerResponse, url: URL): SiteClient | undefined {
  const id = param(url, "clientId");
  if (id === undefined || id === "") {
    fail(res, 400, "InvalidParameter", "request.clientId is required.");
    return undefined;
  }
  const entry = ctx.site.store.get(id);
  if (entry === undefined) fail(res, 404, "ClientNotFound", `Client ${id} was not found.`);
  return entry;
}

function completeInfo(ctx: MindbodyContext, res: ServerResponse, url: URL): void {
  const entry = oneClient(ctx, res, url);
  if (entry === undefined) return;
  const current = new Set(ctx.site.currentMemberships(entry).map((m) => m.Id));
  sendJson(res, 200, {
    Client: entry.client,
    ClientServices: [],
    ClientContracts: entry.contracts,
    ClientMemberships: entry.memberships.map(({ Cancelled: _cancelled, ...m }) => ({
      ...m,
      Current: current.has(m.Id),
    })),
    ClientArrivals: [],
  });
}

function activeMemberships(ctx: MindbodyContext, res: ServerResponse, url: URL): void {
  const entry = oneClient(ctx, res, url);
  if (entry === undefined) return;
  paged(res, url, "ClientMemberships", ctx.site.currentMemberships(entry));
}
