import { Hono } from "hono";
import { findIntegrationSender } from "@uas/db";
import { webhookChecks, type WebhookEnv } from "./middleware";
import { receiveEvent } from "./receive";

/** `POST /webhooks/integrations/{integrationId}`: member.upserted / member.removed from a partner. */
export const integrationWebhooks = new Hono<WebhookEnv>().post(
  "/:integrationId",
  ...webhookChecks(findIntegrationSender, "integrationId", "Unknown integration"),
  receiveEvent("integration"),
);
