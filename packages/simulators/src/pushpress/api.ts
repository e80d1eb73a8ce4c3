import type { IncomingMessage, ServerResponse } from "node:http";
import { header, queryInt, readJsonObject, secretEquals, sendEmpty, sendJson } from "../shared/http";
import { applyListingTraps, takeFailure } from "../shared/traps";
import type { PushPressApiKey, PushPressContext } from "./context";
import { CUSTOMER_ROLES, ENROLLMENT_STATUSES, WEBHOOK_EVENT_TYPES } from "./types";
import { plans } from "./generate";
import { newSigningSecret } from "./webhooks";

export const API_PREFIX = "/v3";
export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 100;

function fail(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { message }, headers);
}

/** PushPress API v3: `API-KEY` and `company-id` headers, page-number paging, webhook management. */
export async function handleApi(
  ctx: PushPressContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  segments: string[],
): Promise<void> {
  const given = header(req, "api-key");
  const apiKey = given === undefined ? undefined : ctx.apiKeys.find((k) => secretEquals(given, k.key));
  if (apiKey === undefined) return fail(res, 401, "Unauthorized: the API-KEY header is missing or not a valid key");
  ctx.calls.count(apiKey.key);
  if (ctx.rateLimit && !ctx.rateLimit.take())
    return fail(res, 429, "Too many requests", { "Retry-After": String(ctx.rateLimit.retryAfterSeconds()) });
  const outage = takeFailure(ctx.traps);
  if (outage !== undefined)
    return fail(res, outage, "Injected outage: service unavailable", outage === 503 ? { "Retry-After": "1" } : {});
  const companyId = header(req, "company-id");
  if (companyId === undefined || companyId === "") return fail(res, 400, "The company-id header is required");
  if (companyId !== ctx.company.company.id) return fail(res, 404, `Company ${companyId} not found`);
  if (!(apiKey.companyIds ?? [ctx.company.company.id]).includes(companyId))
    return fail(res, 403, `This API key is not authorized for company ${companyId}`);

  const [resource, id, action, ...rest] = segments;
  if (rest.length > 0) return fail(res, 404, "Not found");
  if (resource === "company" && id === undefined && req.method === "GET")
    return sendJson(res, 200, ctx.company.company);
  if (resource === "customers" || resource === "enrollments") {
    if (req.method !== "GET" || action !== undefined) return fail(res, 405, "Method not allowed");
    if (apiKey.canReadCustomers === false)
      return fail(res, 403, `This API key lacks the permission to read ${resource}`);
    return resource === "customers" ? customers(ctx, res, url, id) : enrollments(ctx, res, url, id);
  }
  if (resource === "plans" && id !== undefined && action === undefined && req.method === "GET") {
    const plan = plans(ctx.company.company.id).find((p) => p.id === id);
    return plan ? sendJson(res, 200, plan) : fail(res, 404, `Plan ${id} not found`);
  }
  if (resource === "webhooks") return webhooks(ctx, req, res, apiKey, id, action);
  return fail(res, 404, "Not found");
}

function paging(url: URL): { page: number; limit: number } | string {
  const page = queryInt(url, "page", 1);
  const limit = queryInt(url, "limit", DEFAULT_LIMIT);
  if (!(page >= 1)) return "page must be an integer ≥ 1";
  if (!(limit >= 1 && limit <= MAX_LIMIT)) return `limit must be an integer from 1 to ${MAX_LIMIT}`;
  return { page, limit };
}

function pageOf<T>(ctx: PushPressContext, res: ServerResponse, url: URL, rows: readonly T[]): void {
  const paged = paging(url);
  if (typeof paged === "string") return fail(res, 400, paged);
  const first = (paged.page - 1) * paged.limit;
  const { rows: visible } = applyListingTraps(ctx.traps, rows, first, paged.limit);
  sendJson(res, 200, { data: { resultArray: visible.slice(first, first + paged.limit) } });
}

function customers(ctx: PushPressContext, res: ServerResponse, url: URL, id: string | undefined): void {
  if (id !== undefined) {
    const customer = ctx.company.customers.get(id);
    return customer ? sendJson(res, 200, customer) : fail(res, 404, `Customer ${id} not found`);
  }
  const role = url.searchParams.get("role");
  const email = url.searchParams.get("email")?.toLowerCase();
  if (role !== null && !(CUSTOMER_ROLES as readonly string[]).includes(role))
    return fail(res, 400, `role must be one of ${CUSTOMER_ROLES.join(", ")}`);
  const rows = ctx.customerListing.rows(
    ctx.company.customers,
    JSON.stringify([role, email]),
    (c) => (role === null || c.role === role) && (email === undefined || c.email.toLowerCase() === email),
  );
  pageOf(ctx, res, url, rows);
}

function enrollments(ctx: PushPressContext, res: ServerResponse, url: URL, id: string | undefined): void {
  if (id !== undefined) {
    const enrollment = ctx.company.enrollments.get(id);
    return enrollment ? sendJson(res, 200, enrollment) : fail(res, 404, `Enrollment ${id} not found`);
  }
  const customerId = url.searchParams.get("customerId");
  const status = url.searchParams.get("status");
  if (status !== null && !(ENROLLMENT_STATUSES as readonly string[]).includes(status))
    return fail(res, 400, `status must be one of ${ENROLLMENT_STATUSES.join(", ")}`);
  const rows = ctx.enrollmentListing.rows(
    ctx.company.enrollments,
    JSON.stringify([customerId, status]),
    (e) => (customerId === null || e.customerId === customerId) && (status === null || e.status === status),
  );
  pageOf(ctx, res, url, rows);
}

function eventTypes(value: unknown): string[] | string {
  if (!Array.isArray(value) || value.length === 0) return "eventTypes must be a non-empty array";
  const unknown = value.find((t) => typeof t !== "string" || !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown !== undefined) return `Unknown event type ${JSON.stringify(unknown)}`;
  return value as string[];
}

function validUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

async function webhooks(
  ctx: PushPressContext,
  req: IncomingMessage,
  res: ServerResponse,
  apiKey: PushPressApiKey,
  id: string | undefined,
  action: string | undefined,
): Promise<void> {
  if (apiKey.canManageWebhooks === false) return fail(res, 403, "This API key lacks the permission to manage webhooks");
  if (id === undefined) {
    if (req.method === "GET") return sendJson(res, 200, { data: [...ctx.webhooks.webhooks.values()] });
    if (req.method !== "POST") return fail(res, 405, "Method not allowed");
    const body = await readJsonObject(req);
    if (body === undefined) return fail(res, 400, "The body must be a JSON object");
    if (!validUrl(body.url)) return fail(res, 400, "url must be an http(s) URL");
    const types = eventTypes(body.eventTypes);
    if (typeof types === "string") return fail(res, 400, types);
    const webhook = ctx.webhooks.create({
      url: body.url,
      eventTypes: types,
      ...(typeof body.appId === "string" ? { appId: body.appId } : {}),
    });
    return sendJson(res, 201, webhook);
  }
  const webhook = ctx.webhooks.webhooks.get(id);
  if (webhook === undefined) return fail(res, 404, `Webhook ${id} not found`);
  if (action === undefined) {
    if (req.method === "GET") return sendJson(res, 200, webhook);
    if (req.method === "DELETE") {
      ctx.webhooks.webhooks.delete(id);
      return sendEmpty(res, 204);
    }
    if (req.method === "PATCH") {
      const body = await readJsonObject(req);
      if (body === undefined) return fail(res, 400, "The body must be a JSON object");
      if (body.url !== undefined && !validUrl(body.url)) return fail(res, 400, "url must be an http(s) URL");
      const types = body.eventTypes === undefined ? undefined : eventTypes(body.eventTypes);
      if (typeof types === "string") return fail(res, 400, types);
      if (body.url !== undefined) webhook.url = body.url as string;
      if (types !== undefined) webhook.eventTypes = types;
      return sendJson(res, 200, webhook);
    }
    return fail(res, 405, "Method not allowed");
  }
  if ((action === "activate" || action === "deactivate") && req.method === "PATCH") {
    webhook.active = action === "activate";
    return sendEmpty(res, 204);
  }
  if (action === "rotate-signing-secret" && req.method === "POST") {
    webhook.signingSecret = newSigningSecret();
    return sendJson(res, 200, { webhookUuid: webhook.id, signingSecret: webhook.signingSecret });
  }
  return fail(res, 404, "Not found");
}
