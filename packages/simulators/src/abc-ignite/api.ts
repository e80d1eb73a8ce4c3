import type { IncomingMessage, ServerResponse } from "node:http";
import { header, queryInt, secretEquals, sendJson } from "../shared/http";
import type { DailyQuota, PerSecondLimit } from "../shared/limits";
import type { FilterCache } from "../shared/store";
import { applyListingTraps, takeFailure, type Traps } from "../shared/traps";
import { parseClubTime } from "../shared/zoned-time";
import { toApi, type AbcClub, type AbcMember } from "./members";

export const API_PREFIX = "/rest";
export const DEFAULT_SIZE = 200;
export const MAX_SIZE = 200;

export interface AbcCredentials {
  appId: string;
  appKey: string;
  /** Clubs these credentials may read (default: the simulator's club). */
  clubNumbers?: string[];
  canReadMembers?: boolean;
}

export interface AbcContext {
  club: AbcClub;
  credentials: AbcCredentials[];
  otherClubNumbers: ReadonlySet<string>;
  traps: Traps;
  calls: DailyQuota;
  rateLimit: PerSecondLimit | undefined;
  listing: FilterCache<AbcMember>;
}

function fail(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { status: { message, count: "0" } }, headers);
}

/** ABC Ignite: `/rest/{clubNumber}/members` with `app_id` / `app_key`, page / size paging, club-local deltas. */
export function handleApi(
  ctx: AbcContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  segments: string[],
): void {
  const appId = header(req, "app_id");
  const appKey = header(req, "app_key");
  const credential = ctx.credentials.find(
    (c) =>
      appId !== undefined && appKey !== undefined && secretEquals(appId, c.appId) && secretEquals(appKey, c.appKey),
  );
  if (credential === undefined) return fail(res, 401, "Unauthorized: app_id and app_key are missing or invalid");
  ctx.calls.count(credential.appId);
  if (ctx.rateLimit && !ctx.rateLimit.take())
    return fail(res, 429, "Too many requests", { "Retry-After": String(ctx.rateLimit.retryAfterSeconds()) });

  const outage = takeFailure(ctx.traps);
  if (outage !== undefined)
    return fail(res, outage, "Injected outage: service unavailable", outage === 503 ? { "Retry-After": "1" } : {});
  const [clubNumber, resource, memberId, ...rest] = segments;
  if (clubNumber !== ctx.club.clubNumber && !ctx.otherClubNumbers.has(clubNumber ?? ""))
    return fail(res, 404, `Club ${clubNumber ?? ""} not found`);
  if (clubNumber !== ctx.club.clubNumber || !(credential.clubNumbers ?? [ctx.club.clubNumber]).includes(clubNumber)) {
    return fail(res, 403, `Access to club ${clubNumber ?? ""} is not granted to this application`);
  }
  if (credential.canReadMembers === false)
    return fail(res, 403, "This application lacks the permission to read members");
  if (req.method !== "GET" || resource !== "members" || rest.length > 0) return fail(res, 404, "Not found");
  const request = { clubNumber };

  if (memberId !== undefined) {
    const member = ctx.club.store.get(memberId);
    if (member === undefined) return fail(res, 404, `Member ${memberId} not found`);
    return sendJson(res, 200, {
      status: { message: "success", count: "1" },
      request: { ...request, memberId },
      members: [toApi(member, ctx.club.timeZone)],
    });
  }
  if (ctx.traps.emptyWithReason) {
    return sendJson(res, 200, {
      status: { message: ctx.traps.emptyWithReason.message, count: "0" },
      request,
      members: [],
    });
  }

  const page = queryInt(url, "page", 1);
  const size = queryInt(url, "size", DEFAULT_SIZE);
  if (!(page >= 1)) return fail(res, 400, "page must be an integer ≥ 1");
  if (!(size >= 1 && size <= MAX_SIZE)) return fail(res, 400, `size must be an integer from 1 to ${MAX_SIZE}`);
  const activeStatus = url.searchParams.get("activeStatus");
  if (activeStatus !== null && !/^(active|inactive)$/i.test(activeStatus))
    return fail(res, 400, "activeStatus must be Active or Inactive");
  const memberStatus = url.searchParams.get("memberStatus")?.toLowerCase();
  const range = url.searchParams.get("lastModifiedTimestampRange");
  let from: number | undefined;
  let to: number | undefined;
  if (range !== null) {
    const [start = "", end = ""] = range.replace(/^"|"$/g, "").split(",");
    from = parseClubTime(start, ctx.club.timeZone);
    to = end.trim() === "" ? Number.POSITIVE_INFINITY : parseClubTime(end, ctx.club.timeZone);
    if (Number.isNaN(from) || Number.isNaN(to))
      return fail(
        res,
        400,
        'lastModifiedTimestampRange must be "YYYY-MM-DD HH:mm:ss.000000,YYYY-MM-DD HH:mm:ss.000000" in the club time zone',
      );
  }
  const rows = ctx.listing.rows(
    ctx.club.store,
    JSON.stringify([activeStatus, memberStatus, from, to]),
    (m) =>
      (activeStatus === null || m.isActive === (activeStatus.toLowerCase() === "active")) &&
      (memberStatus === undefined || m.memberStatus.toLowerCase() === memberStatus) &&
      (from === undefined || (m.modifiedMs >= from && m.modifiedMs <= (to as number))),
  );
  const first = (page - 1) * size;
  const { rows: visible, total } = applyListingTraps(ctx.traps, rows, first, size);
  const members = visible.slice(first, first + size).map((m) => toApi(m, ctx.club.timeZone));
  const hasMore = first + members.length < total;
  sendJson(res, 200, {
    status: { message: "success", count: String(members.length), ...(hasMore ? { nextPage: String(page + 1) } : {}) },
    request: { ...request, page: String(page), size: String(size) },
    members,
  });
}
