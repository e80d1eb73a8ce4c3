import type { IncomingMessage, ServerResponse } from "node:http";
import { isInt, readJsonObject, sendJson } from "../shared/http";
import { parseTraps, replaceTraps } from "../shared/traps";
import type { MindbodyContext } from "./context";
import { SiteError, type ClientPatch } from "./site";
import { EVENT_IDS, SUBSCRIPTION_STATUSES, type SubscriptionStatus } from "./types";
import { publicSubscription } from "./webhooks";

export const MAX_GENERATED = 1_000_000;
export const MAX_BURST = 10_000;

/**
 * The simulator's remote control (bearer `controlKey`): what the site's staff and Mindbody itself do.
 *   GET  /control/clients/{id}                      a client with its memberships and contracts
 *   POST /control/clients                           add, or change when `Id` exists (Mindbody field names)
 *   POST /control/clients/{id}/deactivate           client.deactivated
 *   POST /control/clients/{id}/memberships          assign (no `Id`), change or `Cancel` a membership
 *   POST /control/clients/{id}/contracts            sell (no `Id`), change or `Cancel` a contract
 *   POST /control/merge                             {keptClientId, removedClientId}: clientProfileMerger.created
 *   POST /control/generate                          {count, seed}: replace every client with generated ones
 *   POST /control/burst                             {count}: the first `count` clients change at once (client.updated each)
 *   GET  /control/usage   POST /control/usage/reset the Public API call counters per key and day
 *   GET  /control/traps   POST /control/traps       listing traps (onePageThenNothing, shrinkTo)
 *   GET  /control/webhooks                          subscriptions with their metrics, delivery counters
 *   POST /control/subscriptions                     {webhookUrl, messageSignatureKey?, eventIds?}: an Active subscription
 *   POST /control/subscriptions/{id}/status         {status, message?}: e.g. DeactivatedByAdmin
 *   POST /control/events                            {eventId, eventData}: push any signed event
 *   GET  /control/messages?eventId=…                recent messages (oldest first): body and X-Mindbody-Signature
 *   POST /control/messages/{messageId}/replay       send a delivered message again, same messageId
 */
export async function handleControl(
  ctx: MindbodyContext,
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
): Promise<void> {
  const [first, second, third, ...rest] = segments;
  try {
    if (req.method === "GET") {
      if (first === "clients" && second !== undefined && third === undefined) {
        const entry = ctx.site.store.get(second);
        return entry ? sendJson(res, 200, entry) : sendJson(res, 404, { message: `No client ${second}` });
      }
      if (first === "usage" && second === undefined)
        return sendJson(res, 200, { mode: ctx.quotaMode, ...ctx.quota.snapshot() });
      if (first === "traps" && second === undefined) return sendJson(res, 200, ctx.traps);
      if (first === "messages" && second === undefined) {
        const eventId = new URL(req.url ?? "/", "http://simulator").searchParams.get("eventId") ?? undefined;
        return sendJson(res, 200, { messages: ctx.webhooks.recent(eventId) });
      }
      if (first === "webhooks" && second === undefined) {
        return sendJson(res, 200, {
          deliveries: ctx.webhooks.counters(),
          subscriptions: [...ctx.webhooks.subscriptions.values()].map((s) => ({
            ...publicSubscription(s),
            metrics: s.metrics,
          })),
        });
      }
      return sendJson(res, 404, { message: "No such control endpoint" });
    }
    if (req.method !== "POST")
      return sendJson(res, 405, { message: "Control endpoints take GET or POST" }, { Allow: "GET, POST" });
    const body = await readJsonObject(req);
    if (body === undefined) return sendJson(res, 400, { message: "The body must be a JSON object" });

    if (first === "clients" && rest.length === 0) {
      if (second === undefined) {
        const { entry, created } = ctx.site.upsert(body as ClientPatch);
        return sendJson(res, created ? 201 : 200, entry);
      }
      if (third === "deactivate") return sendJson(res, 200, ctx.site.deactivate(second));
      if (third === "memberships")
        return sendJson(res, 200, ctx.site.setMembership(second, body as Parameters<typeof ctx.site.setMembership>[1]));
      if (third === "contracts")
        return sendJson(res, 200, ctx.site.setContract(second, body as Parameters<typeof ctx.site.setContract>[1]));
    }
    if (first === "merge" && second === undefined) {
      if (typeof body.keptClientId !== "string" || typeof body.removedClientId !== "string") {
        return sendJson(res, 400, { message: "keptClientId and removedClientId (client Ids) are required" });
      }
      return sendJson(res, 200, ctx.site.merge(body.keptClientId, body.removedClientId));
    }
    if (first === "generate" && second === undefined) {
      if (!isInt(body.count, 0, MAX_GENERATED) || !isInt(body.seed ?? 42, 0, 2 ** 32 - 1)) {
        return sendJson(res, 400, {
          message: `count (0–${MAX_GENERATED}) is required; seed is an unsigned 32-bit integer`,
        });
      }
      const started = Date.now();
      ctx.site.generate(body.count, (body.seed as number | undefined) ?? 42);
      return sendJson(res, 200, { clients: ctx.site.store.size, ms: Date.now() - started });
    }
    if (first === "burst" && second === undefined) {
      if (!isInt(body.count, 1, MAX_BURST))
        return sendJson(res, 400, { message: `count must be an integer from 1 to ${MAX_BURST}` });
      return sendJson(res, 200, { changed: ctx.site.burst(body.count) });
    }
    if (first === "usage" && second === "reset") {
      ctx.quota.reset();
      return sendJson(res, 200, ctx.quota.snapshot());
    }
    if (first === "traps" && second === undefined) {
      const traps = parseTraps(body, ["onePageThenNothing", "shrinkTo", "failNext"]);
      if (typeof traps === "string") return sendJson(res, 400, { message: traps });
      replaceTraps(ctx.traps, traps);
      return sendJson(res, 200, ctx.traps);
    }
    if (first === "subscriptions" && second === undefined) {
      if (typeof body.webhookUrl !== "string") return sendJson(res, 400, { message: "webhookUrl is required" });
      const eventIds = Array.isArray(body.eventIds) ? (body.eventIds as string[]) : [...EVENT_IDS];
      const subscription = ctx.webhooks.create({
        ownerKey: [...ctx.apiKeys][0] as string,
        eventIds,
        eventSchemaVersion: 1,
        referenceId: typeof body.referenceId === "string" ? body.referenceId : "control",
        webhookUrl: body.webhookUrl,
        status: "Active",
        ...(typeof body.messageSignatureKey === "string" ? { messageSignatureKey: body.messageSignatureKey } : {}),
      });
      return sendJson(res, 201, {
        ...publicSubscription(subscription),
        messageSignatureKey: subscription.messageSignatureKey,
      });
    }
    if (first === "subscriptions" && second !== undefined && third === "status" && rest.length === 0) {
      // What Mindbody's own staff can do to a subscription (e.g. DeactivatedByAdmin), which the API does not allow.
      const subscription = ctx.webhooks.subscriptions.get(second);
      if (subscription === undefined) return sendJson(res, 404, { message: `No subscription ${second}` });
      if (!(SUBSCRIPTION_STATUSES as readonly string[]).includes(body.status as string))
        return sendJson(res, 400, { message: `status must be one of ${SUBSCRIPTION_STATUSES.join(", ")}` });
      ctx.webhooks.setStatus(
        subscription,
        body.status as SubscriptionStatus,
        typeof body.message === "string" ? body.message : null,
        "Mindbody",
      );
      return sendJson(res, 200, publicSubscription(subscription));
    }
    if (first === "events" && second === undefined) {
      if (typeof body.eventId !== "string" || typeof body.eventData !== "object" || body.eventData === null) {
        return sendJson(res, 400, { message: "eventId (string) and eventData (object) are required" });
      }
      return sendJson(res, 202, {
        messageIds: ctx.site.publish(body.eventId, body.eventData as Record<string, unknown>),
      });
    }
    if (first === "messages" && second !== undefined && third === "replay" && rest.length === 0) {
      return ctx.webhooks.replay(second)
        ? sendJson(res, 202, { replayed: second })
        : sendJson(res, 404, { message: `No recent message ${second}` });
    }
    return sendJson(res, 404, { message: "No such control endpoint" });
  } catch (error) {
    if (error instanceof SiteError) return sendJson(res, error.status, { message: error.message });
    throw error;
  }
}
