import type { IncomingMessage, ServerResponse } from "node:http";
import { handleControl } from "./control";
import { decodeCursor, encodeCursor } from "./cursor";
import { takeListingFault, type Faults, type ListingTarget } from "./faults";
import { isAuthorized, notFound, pathSegments, sendError, sendJson, sendRaw } from "./http";
import type { CctvStore, MemberStore, RecordStore } from "./store";
import type { WebhookStatus } from "./webhooks";

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export interface PartnerContext {
  apiKey: string;
  members: MemberStore;
  cctv: Map<string, CctvStore>;
  /** Read on every request, so tests can change faults while the server runs. */
  faults: Faults;
  /** What the webhook pushers have done, for `GET /control/webhooks`. */
  webhookStatus: () => WebhookStatus;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestHandler(ctx: PartnerContext): Handler {
  return (req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      console.error("demo-partner: request failed", error);
      if (!res.headersSent) sendError(res, 500, "internal_error", "Unexpected error");
      else res.destroy();
    });
  };
}

async function handle(ctx: PartnerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://demo-partner.invalid");
  if (url.pathname === "/control" || url.pathname.startsWith("/control/")) {
    if (!isAuthorized(req.headers.authorization, ctx.apiKey)) {
      return sendError(res, 401, "unauthorized", "Missing or invalid bearer token", { "WWW-Authenticate": "Bearer" });
    }
    return handleControl(ctx, req, res, url);
  }
  if (req.method !== "GET") {
    return sendError(res, 405, "method_not_allowed", "Only GET is supported", { Allow: "GET" });
  }
  if (url.pathname === "/health") return sendJson(res, 200, { status: "ok" });

  const delayMs = ctx.faults.delayMs ?? 0;
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  if (res.destroyed) return;

  if (!isAuthorized(req.headers.authorization, ctx.apiKey)) {
    return sendError(res, 401, "unauthorized", "Missing or invalid bearer token", { "WWW-Authenticate": "Bearer" });
  }

  const segments = pathSegments(url.pathname);
  if (segments === undefined) return notFound(res);
  const [first, second, third, fourth, fifth, ...rest] = segments;

  if (first === "members" && third === undefined) {
    if (second === undefined) return listing(ctx, url, res, ctx.members, "members", "members");
    return one(res, ctx.members, second, "Member");
  }
  if (first === "cctv" && second === "facilities" && third !== undefined && fourth === "people" && rest.length === 0) {
    const store = ctx.cctv.get(third);
    if (store === undefined) return notFound(res, "Unknown facility");
    if (fifth === undefined) return listing(ctx, url, res, store, `cctv:${third}`, "cctv");
    return one(res, store, fifth, "Person");
  }
  return notFound(res);
}

function listing<T>(
  ctx: PartnerContext,
  url: URL,
  res: ServerResponse,
  store: RecordStore<T>,
  scope: string,
  target: ListingTarget,
): void {
  const rawLimit = url.searchParams.get("limit");
  const limit = rawLimit === null ? DEFAULT_LIMIT : /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : Number.NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    return sendError(res, 400, "invalid_request", `limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  // An empty cursor is treated as "first page": some clients always send the parameter.
  const rawCursor = url.searchParams.get("cursor") ?? "";
  const cursor = rawCursor === "" ? undefined : decodeCursor(scope, rawCursor);
  if (rawCursor !== "" && cursor === undefined) {
    return sendError(res, 400, "invalid_cursor", "cursor was not issued by this listing");
  }
  const pageNumber = cursor?.page ?? 1;

  const fault = takeListingFault(ctx.faults, target, pageNumber);
  if (fault?.kind === "fail") {
    return fault.status === 503
      ? sendError(res, 503, "unavailable", "Injected fault: service unavailable", { "Retry-After": "1" })
      : sendError(res, 500, "internal_error", "Injected fault: internal error");
  }

  const page = store.page(cursor?.after, limit);
  const next_cursor =
    page.hasMore && page.lastKey !== undefined
      ? encodeCursor(scope, { after: page.lastKey, page: pageNumber + 1 })
      : null;

  if (fault?.kind === "malformed") {
    if (fault.shape === "wrong-shape") return sendJson(res, 200, { items: page.items, next: next_cursor });
    const text = JSON.stringify({ data: page.items, next_cursor });
    return sendRaw(res, 200, text.slice(0, Math.max(1, Math.floor(text.length / 2))));
  }
  sendJson(res, 200, { data: page.items, next_cursor });
}

function one<T>(res: ServerResponse, store: RecordStore<T>, id: string, noun: string): void {
  const record = store.get(id);
  if (record === undefined) return notFound(res, `${noun} not found`);
  sendJson(res, 200, record);
}
