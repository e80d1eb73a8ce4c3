import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { findIntegrationWebhookTarget } from "@uas/engine";
import { nativeConnector } from "../../sources/native";
import { webhookError } from "./errors";
import { limitBody, rateLimit, useRead, verifyBySender, verifyStandardSignature, type WebhookEnv } from "./middleware";
import { cachedSender } from "./sender-cache";
import { inboundOf, receiveNativeEvent } from "./native";
import { receiveEvent } from "./receive";

const UNKNOWN = "Unknown integration";

/**
 * 404 for an unknown integration; otherwise its sender (inbox key, secrets) and its system, from this
 * isolate's cache when it verified the integration lately (sender-cache.ts).
 */
const resolveIntegration = createMiddleware<WebhookEnv>(async (c, next) => {
  const id = c.req.param("integrationId") ?? "";
  const read = async () => {
    const target = await findIntegrationWebhookTarget(c.get("db"), id);
    return target ? { sender: target.sender, target } : null;
  };
  const key = `integrationId:${id}`;
  const entry = cachedSender(key, Date.now());
  const cached = entry?.target ? { ...entry, target: entry.target } : null;
  c.set("lookup", { key, cached, read, unknown: UNKNOWN });
  if (cached) {
    c.set("target", cached.target);
    c.set("sender", cached.sender);
  } else if (!(await useRead(c, read))) return webhookError(c, 404, "not_found", UNKNOWN);
  await next();
});

/** The integration's system decides the signature: Standard Webhooks for partners, the connector's otherwise. */
const verifyBySystem = createMiddleware<WebhookEnv>(async (c, next) => {
  const { system } = c.get("target");
  if (system === "partner-api") return verifyStandardSignature(c, next);
  const dialect = nativeConnector(system)?.webhooks;
  if (!dialect) return webhookError(c, 404, "not_found", "This integration's system sends no webhooks");
  const inbound = inboundOf(c);
  const verified = await verifyBySender(c, (secrets, now) => dialect.verify(inbound, secrets, now));
  if (verified === "gone") return webhookError(c, 404, "not_found", UNKNOWN);
  if (!verified.ok) return webhookError(c, 401, "invalid_signature", verified.reason);
  await next();
});

const receivePartnerEvent = receiveEvent();

/**
 * `POST /webhooks/integrations/{integrationId}`: a partner's member.upserted / member.removed, or a native
 * system's delivery (Mindbody, PushPress), verified and parsed by its connector. The checks keep the
 * contract's order: 404 → 413 → 401 → 429 → 400 → 202. `HEAD` answers a system's probe of the URL
 * (Mindbody activates a subscription only after it).
 */
export const integrationWebhooks = new Hono<WebhookEnv>()
  // Hono routes HEAD through GET handlers (and drops the body); a plain GET is not part of any contract.
  .get("/:integrationId", resolveIntegration, (c) => {
    if (c.req.method !== "HEAD") return c.json({ error: { code: "not_found", message: "Not found" } }, 404);
    const { system } = c.get("target");
    const status = system === "partner-api" ? 200 : (nativeConnector(system)?.webhooks?.probeStatus ?? 200);
    return c.body(null, status as 200);
  })
  .post("/:integrationId", resolveIntegration, limitBody, verifyBySystem, rateLimit, (c) =>
    c.get("target").system === "partner-api" ? receivePartnerEvent(c) : receiveNativeEvent(c),
  );
