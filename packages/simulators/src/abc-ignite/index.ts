import { hasBearer, isInt, listen, readJsonObject, segmentsAfter, sendJson } from "../shared/http";
import { DailyQuota, PerSecondLimit } from "../shared/limits";
import { readState, stateWriter } from "../shared/state-file";
import { FilterCache } from "../shared/store";
import { parseTraps, replaceTraps, type Traps } from "../shared/traps";
import { API_PREFIX, handleApi, type AbcContext, type AbcCredentials } from "./api";
import { AbcClub, AbcError, generateMembers, toApi, type AbcMember, type MemberPatch } from "./members";

export { API_PREFIX, DEFAULT_SIZE, MAX_SIZE, type AbcCredentials } from "./api";
export { MEMBER_STATUSES, generateMembers, toApi, type AbcMember } from "./members";
export { formatClubTime, parseClubTime } from "../shared/zoned-time";

export interface AbcIgniteSimulatorOptions {
  port?: number;
  host?: string;
  unref?: boolean;
  controlKey: string;
  credentials: AbcCredentials[];
  clubNumber?: string;
  /** The club's own time zone: deltas and timestamps are in it (default America/Chicago). */
  clubTimeZone?: string;
  otherClubNumbers?: string[];
  memberCount?: number;
  seed?: number;
  stateFile?: string;
  rateLimitPerSecond?: number;
  now?: () => number;
}

export interface AbcIgniteSimulator {
  url: string;
  /** `${url}/rest`: a club's members are at `${apiBaseUrl}/${clubNumber}/members`. */
  apiBaseUrl: string;
  clubNumber: string;
  club: AbcClub;
  traps: Traps;
  close(): Promise<void>;
}

const STATE_KIND = "abc-ignite";

export async function startAbcIgniteSimulator(options: AbcIgniteSimulatorOptions): Promise<AbcIgniteSimulator> {
  if (!options.controlKey) throw new Error("startAbcIgniteSimulator: controlKey is required");
  if (options.credentials.length === 0)
    throw new Error("startAbcIgniteSimulator: at least one credential set is required");
  const now = options.now ?? Date.now;
  const clubNumber = options.clubNumber ?? "9003";
  const timeZone = options.clubTimeZone ?? "America/Chicago";
  const saved =
    options.stateFile === undefined ? undefined : readState<{ members: AbcMember[] }>(options.stateFile, STATE_KIND);
  const club = new AbcClub(
    clubNumber,
    timeZone,
    saved?.members ?? generateMembers({ seed: options.seed ?? 42, count: options.memberCount ?? 300, clubNumber }),
    now,
  );
  const writer =
    options.stateFile === undefined
      ? undefined
      : stateWriter(options.stateFile, STATE_KIND, () => ({ members: club.store.list() }));
  if (writer) {
    club.onChange = writer.schedule;
    if (saved === undefined) writer.schedule();
  }
  const ctx: AbcContext = {
    club,
    credentials: options.credentials,
    otherClubNumbers: new Set(options.otherClubNumbers ?? []),
    traps: {},
    calls: new DailyQuota(Number.MAX_SAFE_INTEGER, now),
    rateLimit:
      options.rateLimitPerSecond === undefined ? undefined : new PerSecondLimit(options.rateLimitPerSecond, now),
    listing: new FilterCache(),
  };

  const server = await listen(
    "abc-ignite-simulator",
    async (req, res, url) => {
      if (url.pathname === "/health") return sendJson(res, 200, { status: "ok" });
      const control = segmentsAfter(url.pathname, "/control");
      if (control !== undefined) {
        if (!hasBearer(req, options.controlKey))
          return sendJson(res, 401, { message: "Missing or invalid bearer token" }, { "WWW-Authenticate": "Bearer" });
        return handleControl(control);
      }
      const api = segmentsAfter(url.pathname, API_PREFIX);
      if (api !== undefined) return handleApi(ctx, req, res, url, api);
      sendJson(res, 404, { status: { message: "Not found" } });

      /**
       * POST /control/members (add, or change when `memberId` exists: firstName, lastName, email, primaryPhone, isActive,
       * memberStatus, memberStatusReason, isPastDue, pastDueBalance, nextBillingDate) · GET /control/members/{id} (as the API shows it)
       * POST /control/generate {count, seed} · POST /control/burst {count} · GET|POST /control/traps (emptyWithReason, onePageThenNothing,
       * shrinkTo, failNext) · GET /control/usage
       */
      async function handleControl([first, second]: string[]): Promise<void> {
        if (req.method === "GET") {
          if (first === "traps") return sendJson(res, 200, ctx.traps);
          if (first === "usage") return sendJson(res, 200, ctx.calls.snapshot());
          if (first === "members" && second !== undefined) {
            const member = club.store.get(second);
            return member
              ? sendJson(res, 200, toApi(member, timeZone))
              : sendJson(res, 404, { message: `No member ${second}` });
          }
          return sendJson(res, 404, { message: "No such control endpoint" });
        }
        const body = await readJsonObject(req);
        if (body === undefined) return sendJson(res, 400, { message: "The body must be a JSON object" });
        try {
          if (first === "members" && second === undefined) {
            const { member, created } = club.upsert(body as MemberPatch);
            return sendJson(res, created ? 201 : 200, toApi(member, timeZone));
          }
          if (first === "generate") {
            if (!isInt(body.count, 0, 1_000_000) || !isInt(body.seed ?? 42, 0, 2 ** 32 - 1))
              return sendJson(res, 400, { message: "count (0–1,000,000) is required" });
            club.generate(body.count, (body.seed as number | undefined) ?? 42);
            return sendJson(res, 200, { members: club.store.size });
          }
          if (first === "burst") {
            if (!isInt(body.count, 1, 10_000))
              return sendJson(res, 400, { message: "count must be an integer from 1 to 10,000" });
            return sendJson(res, 200, { changed: club.burst(body.count) });
          }
          if (first === "traps") {
            const traps = parseTraps(body, ["emptyWithReason", "onePageThenNothing", "shrinkTo", "failNext"]);
            if (typeof traps === "string") return sendJson(res, 400, { message: traps });
            replaceTraps(ctx.traps, traps);
            return sendJson(res, 200, ctx.traps);
          }
        } catch (error) {
          if (error instanceof AbcError) return sendJson(res, error.status, { message: error.message });
          throw error;
        }
        return sendJson(res, 404, { message: "No such control endpoint" });
      }
    },
    options,
  );
  return {
    url: server.url,
    apiBaseUrl: `${server.url}${API_PREFIX}`,
    clubNumber,
    club,
    traps: ctx.traps,
    close: async () => {
      writer?.flush();
      await server.close();
    },
  };
}
