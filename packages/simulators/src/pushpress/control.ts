import type { IncomingMessage, ServerResponse } from "node:http";
import { isInt, readJsonObject, sendJson } from "../shared/http";
import { parseTraps, replaceTraps } from "../shared/traps";
import { CompanyError, type CustomerPatch, type EnrollmentPatch } from "./company";
import type { PushPressContext } from "./context";
import { WEBHOOK_EVENT_TYPES } from "./types";

/**
 * Remote control (bearer `controlKey`):
 *   POST /control/customers                         add, or change when `id` exists: {first, last, email, phone, role, primaryCustomerId}
 *   POST /control/customers/{id}/delete             customer.deleted
 *   POST /control/customers/{id}/enrollments        add (no `id`) or change {id, status, paidUntil, endDate}
 *   POST /control/enrollments/{id}/delete           enrollment.deleted
 *   POST /control/generate                          {count, seed}
 *   POST /control/burst                             {count}: that many customers change at once
 *   GET|POST /control/traps                         onePageThenNothing, shrinkTo
 *   GET  /control/webhooks                          webhooks and delivery counters
 *   POST /control/webhooks                          {url, signingSecret?, eventTypes?}: an active webhook with a known secret
 *   POST /control/events                            {event, data}: push any signed event
 *   GET  /control/usage                             API calls per key today
 */
export async function handleControl(
  ctx: PushPressContext,
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
): Promise<void> {
  const [first, second, third, ...rest] = segments;
  try {
    if (req.method === "GET") {
      if (first === "traps" && second === undefined) return sendJson(res, 200, ctx.traps);
      if (first === "usage" && second === undefined) return sendJson(res, 200, ctx.calls.snapshot());
      if (first === "webhooks" && second === undefined)
        return sendJson(res, 200, {
          webhooks: [...ctx.webhooks.webhooks.values()],
          deliveries: ctx.webhooks.deliverer.counters,
        });
      return sendJson(res, 404, { message: "No such control endpoint" });
    }
    if (req.method !== "POST")
      return sendJson(res, 405, { message: "Control endpoints take GET or POST" }, { Allow: "GET, POST" });
    const body = await readJsonObject(req);
    if (body === undefined) return sendJson(res, 400, { message: "The body must be a JSON object" });
    if (rest.length > 0) return sendJson(res, 404, { message: "No such control endpoint" });

    if (first === "customers") {
      if (second === undefined) {
        const { customer, created } = ctx.company.upsertCustomer(body as CustomerPatch);
        return sendJson(res, created ? 201 : 200, customer);
      }
      if (third === "delete") return sendJson(res, 200, ctx.company.deleteCustomer(second));
      if (third === "enrollments")
        return sendJson(res, 200, ctx.company.setEnrollment(second, body as EnrollmentPatch));
    }
    if (first === "enrollments" && second !== undefined && third === "delete")
      return sendJson(res, 200, ctx.company.deleteEnrollment(second));
    if (first === "generate" && second === undefined) {
      if (!isInt(body.count, 0, 1_000_000) || !isInt(body.seed ?? 42, 0, 2 ** 32 - 1))
        return sendJson(res, 400, { message: "count (0–1,000,000) is required; seed is an unsigned 32-bit integer" });
      const started = Date.now();
      ctx.company.generate(body.count, (body.seed as number | undefined) ?? 42);
      return sendJson(res, 200, {
        customers: ctx.company.customers.size,
        enrollments: ctx.company.enrollments.size,
        ms: Date.now() - started,
      });
    }
    if (first === "burst" && second === undefined) {
      if (!isInt(body.count, 1, 10_000))
        return sendJson(res, 400, { message: "count must be an integer from 1 to 10,000" });
      return sendJson(res, 200, { changed: ctx.company.burst(body.count) });
    }
    if (first === "traps" && second === undefined) {
      const traps = parseTraps(body, ["onePageThenNothing", "shrinkTo", "failNext"]);
      if (typeof traps === "string") return sendJson(res, 400, { message: traps });
      replaceTraps(ctx.traps, traps);
      return sendJson(res, 200, ctx.traps);
    }
    if (first === "webhooks" && second === undefined) {
      if (typeof body.url !== "string") return sendJson(res, 400, { message: "url is required" });
      const webhook = ctx.webhooks.create({
        url: body.url,
        eventTypes: Array.isArray(body.eventTypes) ? (body.eventTypes as string[]) : [...WEBHOOK_EVENT_TYPES],
        ...(typeof body.signingSecret === "string" ? { signingSecret: body.signingSecret } : {}),
      });
      return sendJson(res, 201, webhook);
    }
    if (first === "events" && second === undefined) {
      if (typeof body.event !== "string" || typeof body.data !== "object" || body.data === null)
        return sendJson(res, 400, { message: "event (string) and data (object) are required" });
      return sendJson(res, 202, { deliveries: ctx.webhooks.publish(body.event, body.data as Record<string, unknown>) });
    }
    return sendJson(res, 404, { message: "No such control endpoint" });
  } catch (error) {
    if (error instanceof CompanyError) return sendJson(res, error.status, { message: error.message });
    throw error;
  }
}
