import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { EmailStore, EmailTag } from "./store";
import { validateEmail } from "./validate";

/**
 * The failure switch: while enabled, this share of sends fails with `status` (the provider is down);
 * with `match`, only sends to a recipient containing it (tests sharing a mailbox stay apart).
 */
export type FailSends = { enabled: boolean; rate: number; status: 429 | 500 | 503; match: string | null };

export type MailboxContext = {
  apiKey: string;
  store: EmailStore;
  failSends: FailSends;
  random: () => number;
  now: () => Date;
};

const MAX_BODY_BYTES = 1024 * 1024;
const ERROR_NAMES: Record<number, string> = {
  400: "invalid_idempotency_key",
  401: "missing_api_key",
  403: "invalid_api_key",
  404: "not_found",
  405: "method_not_allowed",
  409: "invalid_idempotent_request",
  413: "payload_too_large",
  422: "validation_error",
  429: "rate_limit_exceeded",
  500: "application_error",
  503: "application_error",
};

/** Resend's error body: `{ statusCode, name, message }`. */
function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  name = ERROR_NAMES[status] ?? "application_error",
): void {
  sendJson(res, status, { statusCode: status, name, message });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  });
  res.end(text);
}

function authorized(header: string | undefined, apiKey: string): "ok" | "missing" | "invalid" {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return "missing";
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(match[1] as string), digest(apiKey)) ? "ok" : "invalid";
}

async function readJson(req: IncomingMessage): Promise<{ value: unknown } | "too_large" | "invalid"> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY_BYTES) return "too_large";
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return { value: {} };
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return "invalid";
  }
}

function tagFilter(raw: string | null): EmailTag | undefined {
  if (!raw) return undefined;
  const [name, ...value] = raw.split(":");
  return name && value.length > 0 ? { name, value: value.join(":") } : undefined;
}

export function createRequestHandler(ctx: MailboxContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(ctx, req, res).catch((error: unknown) => {
      console.error("mailbox: request failed", error);
      if (!res.headersSent) sendError(res, 500, "Unexpected error");
      else res.destroy();
    });
  };
}

async function handle(ctx: MailboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://mailbox.invalid");
  if (url.pathname === "/health") return sendJson(res, 200, { status: "ok", emails: ctx.store.size });

  const auth = authorized(req.headers.authorization, ctx.apiKey);
  if (auth === "missing")
    return sendError(
      res,
      401,
      "Missing API key in the authorization header. Include the following header Authorization: Bearer YOUR_API_KEY in the request.",
    );
  if (auth === "invalid") return sendError(res, 403, "API key is invalid");

  if (url.pathname === "/emails") {
    if (req.method === "POST") return postEmail(ctx, req, res);
    if (req.method === "GET") {
      const limit = Number(url.searchParams.get("limit") ?? 100);
      const data = ctx.store.list({
        to: url.searchParams.get("to") ?? undefined,
        tag: tagFilter(url.searchParams.get("tag")),
        limit: Number.isInteger(limit) && limit > 0 ? Math.min(limit, 1000) : 100,
      });
      return sendJson(res, 200, { object: "list", has_more: false, data });
    }
    if (req.method === "DELETE") return sendJson(res, 200, { cleared: ctx.store.clear() });
    return sendError(res, 405, "Method not allowed");
  }
  const emailId = /^\/emails\/([^/]+)$/.exec(url.pathname)?.[1];
  if (emailId && req.method === "GET") {
    const email = ctx.store.get(decodeURIComponent(emailId));
    return email ? sendJson(res, 200, email) : sendError(res, 404, "Email not found");
  }
  if (url.pathname === "/control/fail-sends") {
    if (req.method === "GET") return sendJson(res, 200, ctx.failSends);
    if (req.method === "POST") return setFailSends(ctx, req, res);
    return sendError(res, 405, "Method not allowed");
  }
  return sendError(res, 404, "Not found");
}

async function postEmail(ctx: MailboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = req.headers["idempotency-key"];
  const key = typeof header === "string" ? header : null;
  if (key !== null && (key.length === 0 || key.length > 256))
    return sendError(res, 400, "The Idempotency-Key must be 1 to 256 characters.");
  const body = await readJson(req);
  if (body === "too_large") return sendError(res, 413, "The body is larger than 1 MiB.");
  if (body === "invalid") return sendError(res, 422, "The body is not valid JSON.");
  const checked = validateEmail(body.value);
  if (!checked.ok) return sendError(res, 422, checked.message);
  // The switch acts like an outage: nothing is stored and the key stays unused.
  const { match } = ctx.failSends;
  const concerned = match === null || checked.email.to.some((to) => to.toLowerCase().includes(match.toLowerCase()));
  if (ctx.failSends.enabled && concerned && ctx.random() < ctx.failSends.rate) {
    return sendError(res, ctx.failSends.status, "The mailbox is set to fail sends (POST /control/fail-sends).");
  }
  const outcome = ctx.store.send(checked.email, key, ctx.now());
  if (outcome.kind === "key_conflict")
    return sendError(res, 409, "This Idempotency-Key was already used with a different payload.");
  return sendJson(res, 200, { id: outcome.email.id });
}

async function setFailSends(ctx: MailboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJson(req);
  if (typeof body === "string" || body.value === null || typeof body.value !== "object")
    return sendError(res, 422, "Expected a JSON object.");
  const { enabled, rate, status, match } = body.value as Partial<Record<keyof FailSends, unknown>>;
  if (typeof enabled !== "boolean") return sendError(res, 422, "`enabled` must be true or false.");
  if (rate !== undefined && (typeof rate !== "number" || !(rate >= 0 && rate <= 1)))
    return sendError(res, 422, "`rate` must be a number from 0 to 1.");
  if (status !== undefined && status !== 429 && status !== 500 && status !== 503)
    return sendError(res, 422, "`status` must be 429, 500 or 503.");
  if (match !== undefined && match !== null && (typeof match !== "string" || match === ""))
    return sendError(res, 422, "`match` must be a non-empty string or null.");
  ctx.failSends.enabled = enabled;
  ctx.failSends.match = typeof match === "string" ? match : null;
  ctx.failSends.rate = typeof rate === "number" ? rate : 1;
  ctx.failSends.status = status ?? 500;
  return sendJson(res, 200, ctx.failSends);
}
