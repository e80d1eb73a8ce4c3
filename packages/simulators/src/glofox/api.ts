import type { IncomingMessage, ServerResponse } from "node:http";
import { header, queryInt, secretEquals, sendJson } from "../shared/http";
import type { PerSecondLimit, DailyQuota } from "../shared/limits";
import type { FilterCache } from "../shared/store";
import { applyListingTraps, takeFailure, type Traps } from "../shared/traps";
import type { GlofoxBranch, GlofoxMember } from "./members";

export const API_PREFIX = "/prod";
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

export interface GlofoxCredentials {
  apiKey: string;
  apiToken: string;
  /** Branches this token may read (default: the simulator's branch). */
  branchIds?: string[];
  /** Whether the token may read members (default true). */
  canReadMembers?: boolean;
}

export interface GlofoxContext {
  branch: GlofoxBranch;
  credentials: GlofoxCredentials[];
  traps: Traps;
  rateLimit: PerSecondLimit;
  calls: DailyQuota;
  /** Branches that exist but this token has no access to: 403 rather than 404. */
  otherBranchIds: ReadonlySet<string>;
  listing: FilterCache<GlofoxMember>;
}

function fail(
  res: ServerResponse,
  status: number,
  messageCode: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { success: false, message, message_code: messageCode }, headers);
}

/** Glofox platform API: three auth headers, about 10 requests/s, `has_more` paging of members. */
export function handleApi(
  ctx: GlofoxContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  segments: string[],
): void {
  const apiKey = header(req, "x-api-key");
  const matching = apiKey === undefined ? [] : ctx.credentials.filter((c) => secretEquals(apiKey, c.apiKey));
  if (matching.length === 0) return fail(res, 401, "UNAUTHORIZED", "The x-api-key header is missing or invalid");
  ctx.calls.count(apiKey as string);
  if (!ctx.rateLimit.take())
    return fail(res, 429, "TOO_MANY_REQUESTS", "Rate limit exceeded", {
      "Retry-After": String(ctx.rateLimit.retryAfterSeconds()),
    });
  const outage = takeFailure(ctx.traps);
  if (outage !== undefined)
    return fail(res, outage, "SERVICE_UNAVAILABLE", "Injected outage", outage === 503 ? { "Retry-After": "1" } : {});
  const token = header(req, "x-glofox-api-token");
  const credential = token === undefined ? undefined : matching.find((c) => secretEquals(token, c.apiToken));
  if (credential === undefined)
    return fail(res, 401, "INVALID_TOKEN", "The x-glofox-api-token header is missing or invalid");
  const branchId = header(req, "x-glofox-branch-id");
  if (branchId === undefined || branchId === "")
    return fail(res, 400, "BRANCH_REQUIRED", "The x-glofox-branch-id header is required");
  const allowed = credential.branchIds ?? [ctx.branch.branchId];
  if (branchId !== ctx.branch.branchId && !ctx.otherBranchIds.has(branchId))
    return fail(res, 404, "BRANCH_NOT_FOUND", `Branch ${branchId} not found`);
  if (!allowed.includes(branchId) || branchId !== ctx.branch.branchId)
    return fail(res, 403, "BRANCH_ACCESS_DENIED", `This token has no access to branch ${branchId}`);
  if (credential.canReadMembers === false)
    return fail(res, 403, "PERMISSION_DENIED", "This integration lacks the permission to read members");

  const [version, resource, id, ...rest] = segments;
  if (req.method !== "GET" || version !== "2.0" || resource !== "members" || rest.length > 0)
    return fail(res, 404, "NOT_FOUND", "Not found");
  if (id !== undefined) {
    const member = ctx.branch.store.get(id);
    return member ? sendJson(res, 200, member) : fail(res, 404, "MEMBER_NOT_FOUND", `Member ${id} not found`);
  }
  if (ctx.traps.successFalse)
    return sendJson(res, 200, {
      success: false,
      message: ctx.traps.successFalse.message,
      message_code: "UNKNOWN_ERROR",
    });

  const page = queryInt(url, "page", 1);
  const limit = queryInt(url, "limit", DEFAULT_LIMIT);
  if (!(page >= 1)) return fail(res, 400, "INVALID_PARAMETER", "page must be an integer ≥ 1");
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    return fail(res, 400, "INVALID_PARAMETER", `limit must be an integer from 1 to ${MAX_LIMIT}`);
  const active = url.searchParams.get("active") ?? "true";
  if (!["true", "false", "any"].includes(active))
    return fail(res, 400, "INVALID_PARAMETER", "active must be true, false or any");
  const start = timeParam(url, "utc_modified_start_date");
  const end = timeParam(url, "utc_modified_end_date");
  if (Number.isNaN(start) || Number.isNaN(end))
    return fail(
      res,
      400,
      "INVALID_PARAMETER",
      "utc_modified_start_date / utc_modified_end_date must be Unix seconds or an ISO 8601 date",
    );

  const rows = ctx.listing.rows(
    ctx.branch.store,
    JSON.stringify([active, start, end]),
    (m) =>
      (active === "any" || m.active === (active === "true")) &&
      (start === undefined || m.modified >= start) &&
      (end === undefined || m.modified <= end),
  );
  const first = (page - 1) * limit;
  const { rows: visible, total } = applyListingTraps(ctx.traps, rows, first, limit);
  const data = visible.slice(first, first + limit);
  sendJson(res, 200, { object: "list", page, limit, has_more: first + data.length < total, total_count: total, data });
}

/** Unix seconds, or an ISO 8601 date read as UTC; undefined when absent, NaN when unreadable. */
function timeParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  if (/^\d{1,12}$/.test(raw)) return Number(raw);
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(raw) || !raw.includes("T") ? raw : `${raw}Z`);
  return Number.isNaN(ms) ? Number.NaN : Math.floor(ms / 1000);
}
