import { Hono } from "hono";
import { findCctvSender } from "@uas/db";
import { webhookChecks, type WebhookEnv } from "./middleware";
import { receiveEvent } from "./receive";

/**
 * `POST /webhooks/cctv/{facilityId}`: person.identified / person.removed. A facility with no CCTV source
 * answers exactly like one that does not exist.
 */
export const cctvWebhooks = new Hono<WebhookEnv>().post(
  "/:facilityId",
  ...webhookChecks(findCctvSender, "facilityId", "No CCTV/Computer Vision source is configured for this facility"),
  receiveEvent("cctv"),
);
