import type { IncomingMessage, ServerResponse } from "node:http";
import { header, readJsonObject, secretEquals, sendJson } from "../shared/http";
import type { MindbodyContext } from "./context";
import { EVENT_IDS, isoSeconds } from "./types";
import { publicSubscription, type Subscription } from "./webhooks";

export const PUSH_API_PREFIX = "/push/api/v1";

function fail(res: ServerResponse, status: number, errorCode: number, errorType: string, errorMessage: string): void {
  sendJson(res, status, { errors: [{ errorCode, errorType, errorMessage }] });
}

/** Mindbody Webhooks API: subscriptions (create, list, get, PATCH to activate or deactivate, DELETE) and metrics. */
export async function handlePushApi(
  ctx: MindbodyContext,
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
): Promise<void> {
  const apiKey = header(req, "api-key");
  if (apiKey === undefined || apiKey === "")
    return fail(res, 401, 100, "missingAPIKeyHeader", "The API-Key header is required.");
  const ownerKey = [...ctx.apiKeys].find((key) => secretEquals(apiKey, key));
  if (ownerKey === undefined) return fail(res, 401, 101, "forbidden", "The API-Key is not valid.");

  const [first, id, ...rest] = segments;
  if (first === "metrics" && id === undefined && req.method === "GET") {
    return sendJson(res, 200, {
      items: owned(ctx, ownerKey).map((s) => ({
        subscriptionId: s.subscriptionId,
        status: s.status,
        statusChangeDate: s.statusChangeDate,
        creationDateTime: s.subscriptionCreationDateTime,
        ...s.metrics,
      })),
    });
  }
  if (first !== "subscriptions" || rest.length > 0) return fail(res, 404, 404, "resourceNotFound", "No such resource.");
  if (id === undefined) {
    if (req.method === "GET") return sendJson(res, 200, { items: owned(ctx, ownerKey).map(publicSubscription) });
    if (req.method === "POST") return create(ctx, req, res, ownerKey);
    return fail(res, 405, 405, "resourceNotFound", `${req.method ?? ""} is not supported here.`);
  }
  const subscription = ctx.webhooks.subscriptions.get(id);
  if (subscription === undefined || subscription.ownerKey !== ownerKey)
    return fail(res, 404, 300, "invalidSubscriptionId", `No subscription ${id}.`);
  if (req.method === "GET") return sendJson(res, 200, publicSubscription(subscription));
  if (req.method === "PATCH") return patch(ctx, req, res, subscription);
  if (req.method === "DELETE") {
    ctx.webhooks.setStatus(subscription, "DeactivatedByUser", "Deleted by the developer", "Developer");
    return sendJson(res, 200, {
      message: "Subscription deactivated.",
      deactivationDateTime: isoSeconds(ctx.now()),
      subscriptionId: subscription.subscriptionId,
      referenceId: subscription.referenceId,
    });
  }
  return fail(res, 405, 405, "resourceNotFound", `${req.method ?? ""} is not supported here.`);
}

function owned(ctx: MindbodyContext, ownerKey: string): Subscription[] {
  return [...ctx.webhooks.subscriptions.values()].filter((s) => s.ownerKey === ownerKey);
}

function validateUrl(
  ctx: MindbodyContext,
  value: unknown,
): { url: string } | { errorCode: number; errorType: string; errorMessage: string } {
  if (value === undefined)
    return { errorCode: 200, errorType: "invalidValueWebhookURLRequired", errorMessage: "webhookUrl is required." };
  if (typeof value !== "string" || value.trim() === "")
    return {
      errorCode: 201,
      errorType: "invalidValueWebhookURLCannotBeBlank",
      errorMessage: "webhookUrl cannot be blank.",
    };
  if (value.length > 2000)
    return { errorCode: 202, errorType: "invalidValueWebhookURLTooLong", errorMessage: "webhookUrl is too long." };
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return { errorCode: 203, errorType: "invalidWebhookUrlBadFormat", errorMessage: "webhookUrl is not a URL." };
  }
  if (parsed.protocol !== "https:" && (ctx.requireHttps || parsed.protocol !== "http:")) {
    return { errorCode: 204, errorType: "invalidWebhookURLMissingHTTPS", errorMessage: "webhookUrl must use HTTPS." };
  }
  return { url: value };
}

function validateEvents(value: unknown): string[] | { errorCode: number; errorType: string; errorMessage: string } {
  if (value === undefined)
    return { errorCode: 210, errorType: "invalidValueEventIdsRequired", errorMessage: "eventIds is required." };
  if (!Array.isArray(value) || value.length === 0)
    return {
      errorCode: 211,
      errorType: "invalidValueEventIdsCannotBeBlank",
      errorMessage: "eventIds cannot be empty.",
    };
  const unknown = value.find((id) => typeof id !== "string" || !(EVENT_IDS as readonly string[]).includes(id));
  if (unknown !== undefined)
    return {
      errorCode: 212,
      errorType: "invalidValueEventIds",
      errorMessage: `Unknown event id ${JSON.stringify(unknown)}.`,
    };
  return value as string[];
}

async function create(
  ctx: MindbodyContext,
  req: IncomingMessage,
  res: ServerResponse,
  ownerKey: string,
): Promise<void> {
  const body = await readJsonObject(req);
  if (body === undefined) return fail(res, 400, 1, "invalidWebhookUrlError", "The body must be a JSON object.");
  const url = validateUrl(ctx, body.webhookUrl);
  if ("errorType" in url) return fail(res, 400, url.errorCode, url.errorType, url.errorMessage);
  const eventIds = validateEvents(body.eventIds);
  if (!Array.isArray(eventIds)) return fail(res, 400, eventIds.errorCode, eventIds.errorType, eventIds.errorMessage);
  if (body.eventSchemaVersion === undefined)
    return fail(res, 400, 220, "invalidEventSchemaVersionRequired", "eventSchemaVersion is required.");
  if (body.eventSchemaVersion !== 1)
    return fail(res, 400, 221, "invalidEventSchemaVersion", "eventSchemaVersion must be 1.");
  const referenceId = body.referenceId ?? "";
  if (typeof referenceId !== "string" || referenceId.length > 255)
    return fail(
      res,
      400,
      230,
      "invalidValueReferenceIdTooLong",
      "referenceId must be a string of at most 255 characters.",
    );
  const subscription = ctx.webhooks.create({
    ownerKey,
    eventIds,
    eventSchemaVersion: 1,
    referenceId,
    webhookUrl: url.url,
  });
  // The only answer that ever shows the messageSignatureKey.
  sendJson(res, 201, { ...publicSubscription(subscription), messageSignatureKey: subscription.messageSignatureKey });
}

async function patch(
  ctx: MindbodyContext,
  req: IncomingMessage,
  res: ServerResponse,
  subscription: Subscription,
): Promise<void> {
  const body = await readJsonObject(req);
  if (body === undefined) return fail(res, 400, 1, "invalidWebhookUrlError", "The body must be a JSON object.");
  const field = (name: string): unknown => body[name] ?? body[name.charAt(0).toUpperCase() + name.slice(1)];
  const status = field("status");
  if (status !== undefined && status !== "Active" && status !== "DeactivatedByUser") {
    return fail(res, 400, 240, "subscriptionStatusNotValid", "Status may only be set to Active or DeactivatedByUser.");
  }
  const webhookUrl = field("webhookUrl") === undefined ? undefined : validateUrl(ctx, field("webhookUrl"));
  if (webhookUrl !== undefined && "errorType" in webhookUrl)
    return fail(res, 400, webhookUrl.errorCode, webhookUrl.errorType, webhookUrl.errorMessage);
  const eventIds = field("eventIds") === undefined ? undefined : validateEvents(field("eventIds"));
  if (eventIds !== undefined && !Array.isArray(eventIds))
    return fail(res, 400, eventIds.errorCode, eventIds.errorType, eventIds.errorMessage);

  const nextUrl = webhookUrl?.url ?? subscription.webhookUrl;
  const activating = status === "Active" && subscription.status !== "Active";
  const movingWhileActive =
    (status === "Active" || (status === undefined && subscription.status === "Active")) &&
    nextUrl !== subscription.webhookUrl;
  if (activating || movingWhileActive) {
    // Mindbody activates only a URL that answers its HEAD request with a 2xx.
    const probe = await ctx.webhooks.probe(nextUrl);
    if (!probe.ok) {
      return fail(
        res,
        400,
        250,
        "invalidWebhookURLNoResponse",
        `The webhookUrl did not answer a HEAD request with 2xx (${probe.status === null ? "no answer" : `HTTP ${probe.status}`}).`,
      );
    }
  }
  if (webhookUrl) subscription.webhookUrl = webhookUrl.url;
  if (eventIds) subscription.eventIds = eventIds;
  if (typeof field("referenceId") === "string") subscription.referenceId = field("referenceId") as string;
  if (status !== undefined && status !== subscription.status)
    ctx.webhooks.setStatus(subscription, status, null, "Developer");
  sendJson(res, 200, publicSubscription(subscription));
}
