import { createHmac, randomUUID } from "node:crypto";
import { hasBearer, isInt, listen, readJsonObject, segmentsAfter, sendJson } from "../shared/http";
import { Deliverer } from "../shared/deliver";
import { DailyQuota, PerSecondLimit } from "../shared/limits";
import { readState, stateWriter } from "../shared/state-file";
import { FilterCache } from "../shared/store";
import { parseTraps, replaceTraps, type Traps } from "../shared/traps";
import { API_PREFIX, handleApi, type GlofoxContext, type GlofoxCredentials } from "./api";
import { GlofoxBranch, GlofoxError, generateMembers, type GlofoxMember, type MemberPatch } from "./members";

export { API_PREFIX, DEFAULT_LIMIT, MAX_LIMIT, type GlofoxCredentials } from "./api";
export { LEAD_STATUSES, MEMBERSHIP_STATUSES, MEMBERSHIP_TYPES, generateMembers, type GlofoxMember } from "./members";

/** `signature`: hex HMAC-SHA256 of the raw request body, keyed with the webhook secret (string-to-sign: see README). */
export function glofoxSignature(rawBody: string, secret: string): string {
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(rawBody, "utf8").digest("hex");
}

export interface GlofoxSimulatorOptions {
  port?: number;
  host?: string;
  unref?: boolean;
  controlKey: string;
  credentials: GlofoxCredentials[];
  branchId?: string;
  otherBranchIds?: string[];
  memberCount?: number;
  seed?: number;
  stateFile?: string;
  /** Requests per second before 429 (Glofox: about 10). */
  rateLimitPerSecond?: number;
  /** Where change webhooks go, and the secret Glofox hands out with the API credentials. */
  webhookTarget?: { url: string; secret: string };
  /** Glofox: answer within 5 s, at most 3 attempts in all. The waits between attempts are not published: 1 min, then 5 min here. */
  delivery?: { timeoutMs?: number; retryDelaysMs?: number[] };
  now?: () => number;
}

export interface GlofoxSimulator {
  url: string;
  /** `${url}/prod` */
  apiBaseUrl: string;
  branchId: string;
  branch: GlofoxBranch;
  traps: Traps;
  webhooksIdle(): Promise<void>;
  close(): Promise<void>;
}

const STATE_KIND = "glofox";

export async function startGlofoxSimulator(options: GlofoxSimulatorOptions): Promise<GlofoxSimulator> {
  if (!options.controlKey) throw new Error("startGlofoxSimulator: controlKey is required");
  if (options.credentials.length === 0)
    throw new Error("startGlofoxSimulator: at least one credential set is required");
  const now = options.now ?? Date.now;
  const branchId = options.branchId ?? "5f1e0c9a8b7d6e5f4a3b2c1d";
  const deliverer = new Deliverer({
    timeoutMs: options.delivery?.timeoutMs ?? 5000,
    retryDelaysMs: options.delivery?.retryDelaysMs ?? [60_000, 300_000],
  });
  let target = options.webhookTarget;
  const announce = (type: "MEMBER_CREATED" | "MEMBER_UPDATED", member: GlofoxMember): void => {
    if (target === undefined) return;
    const id = randomUUID();
    const body = JSON.stringify({ id, type, branch_id: branchId, created: Math.floor(now() / 1000), data: member });
    void deliverer.send({
      id,
      event: type,
      url: target.url,
      body,
      headers: { signature: glofoxSignature(body, target.secret) },
    });
  };
  const saved =
    options.stateFile === undefined ? undefined : readState<{ members: GlofoxMember[] }>(options.stateFile, STATE_KIND);
  const branch = new GlofoxBranch(
    branchId,
    saved?.members ?? generateMembers({ seed: options.seed ?? 42, count: options.memberCount ?? 300, branchId }),
    announce,
    now,
  );
  const writer =
    options.stateFile === undefined
      ? undefined
      : stateWriter(options.stateFile, STATE_KIND, () => ({ members: branch.store.list() }));
  if (writer) {
    branch.onChange = writer.schedule;
    if (saved === undefined) writer.schedule();
  }
  const ctx: GlofoxContext = {
    branch,
    credentials: options.credentials,
    traps: {},
    rateLimit: new PerSecondLimit(options.rateLimitPerSecond ?? 10, now),
    calls: new DailyQuota(Number.MAX_SAFE_INTEGER, now),
    otherBranchIds: new Set(options.otherBranchIds ?? []),
    listing: new FilterCache(),
  };

  const server = await listen(
    "glofox-simulator",
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
      sendJson(res, 404, { success: false, message: "Not found" });

      /**
       * POST /control/members (add, or change when `_id` exists) · POST /control/members/{id}/deactivate (MEMBER_UPDATED, active false)
       * POST /control/generate {count, seed} · POST /control/burst {count} · GET|POST /control/traps (successFalse, onePageThenNothing, shrinkTo, failNext)
       * GET /control/webhooks · POST /control/webhook-target {url, secret} · GET /control/usage (calls, throttled)
       */
      async function handleControl([first, second, third]: string[]): Promise<void> {
        if (req.method === "GET") {
          if (first === "traps") return sendJson(res, 200, ctx.traps);
          if (first === "webhooks")
            return sendJson(res, 200, { target: target?.url ?? null, deliveries: deliverer.counters });
          if (first === "usage")
            return sendJson(res, 200, { ...ctx.calls.snapshot(), throttled: ctx.rateLimit.throttled });
          return sendJson(res, 404, { message: "No such control endpoint" });
        }
        const body = await readJsonObject(req);
        if (body === undefined) return sendJson(res, 400, { message: "The body must be a JSON object" });
        try {
          if (first === "members" && second === undefined) {
            const { member, created } = branch.upsert(body as MemberPatch);
            return sendJson(res, created ? 201 : 200, member);
          }
          if (first === "members" && second !== undefined && third === "deactivate")
            return sendJson(res, 200, branch.deactivate(second));
          if (first === "generate") {
            if (!isInt(body.count, 0, 1_000_000) || !isInt(body.seed ?? 42, 0, 2 ** 32 - 1))
              return sendJson(res, 400, { message: "count (0–1,000,000) is required" });
            branch.generate(body.count, (body.seed as number | undefined) ?? 42);
            return sendJson(res, 200, { members: branch.store.size });
          }
          if (first === "burst") {
            if (!isInt(body.count, 1, 10_000))
              return sendJson(res, 400, { message: "count must be an integer from 1 to 10,000" });
            return sendJson(res, 200, { changed: branch.burst(body.count) });
          }
          if (first === "traps") {
            const traps = parseTraps(body, ["successFalse", "onePageThenNothing", "shrinkTo", "failNext"]);
            if (typeof traps === "string") return sendJson(res, 400, { message: traps });
            replaceTraps(ctx.traps, traps);
            return sendJson(res, 200, ctx.traps);
          }
          if (first === "webhook-target") {
            if (typeof body.url !== "string" || typeof body.secret !== "string")
              return sendJson(res, 400, { message: "url and secret are required" });
            target = { url: body.url, secret: body.secret };
            return sendJson(res, 200, { target: target.url });
          }
        } catch (error) {
          if (error instanceof GlofoxError) return sendJson(res, error.status, { message: error.message });
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
    branchId,
    branch,
    traps: ctx.traps,
    webhooksIdle: () => deliverer.idle(),
    close: async () => {
      deliverer.close();
      writer?.flush();
      await server.close();
    },
  };
}
