import { Hono } from "hono";
import type { AppEnv } from "../../hono-env";
import { cctvWebhooks } from "./cctv";
import { integrationWebhooks } from "./integrations";

/** Mounted at `/webhooks`: one sub-app per source. */
export const webhooks = new Hono<AppEnv>().route("/integrations", integrationWebhooks).route("/cctv", cctvWebhooks);
