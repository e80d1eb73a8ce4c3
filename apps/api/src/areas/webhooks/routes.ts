import { Hono } from "hono";
import type { AppEnv } from "../../hono-env";
import { cctvWebhooks } from "./cctv";
import { integrationWebhooks } from "./integrations";
import { routeToOrganisationOf } from "./tenant";

/** Mounted at `/webhooks`: one sub-app per source, each on the database of the organisation it belongs to. */
export const webhooks = new Hono<AppEnv>()
  .use("/integrations/:integrationId", routeToOrganisationOf("integrationId"))
  .use("/cctv/:facilityId", routeToOrganisationOf("facilityId"))
  .route("/integrations", integrationWebhooks)
  .route("/cctv", cctvWebhooks);
