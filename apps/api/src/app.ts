import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { trpcServer } from "@hono/trpc-server";
import { createDb, type Db } from "@uas/db";
import { ConfigError, parseConfig, partnerUrlPolicyFromConfig, secretBoxOf, type AppConfig } from "./env";
import type { SecretBox } from "@uas/db";
import { internalError } from "./errors";
import type { Bindings } from "./bindings";
import { createAuth, AUTH_BASE_PATH, type Auth } from "./areas/auth/auth";
import { createTrpcContext } from "./trpc/context";
import { appRouter } from "./trpc/app-router";
import { activityCsv } from "./areas/activity/csv-route";
import type { Queues } from "./context";
import { queuesOf } from "./invocation";
import { webhooks } from "./areas/webhooks/routes";
import { devMailbox } from "./areas/invitations/email/dev-mailbox";
import { signInThrottle } from "./areas/auth/sign-in-throttle";
import { accessCheck } from "./areas/access/door-route";

/** `auth` is built on first use: webhooks and other routes without sessions never pay for it. */
export type AppVariables = { config: AppConfig; db: Db; auth: () => Auth; queues: Queues; secrets: SecretBox };
export type AppEnv = { Bindings: Bindings; Variables: AppVariables };

export function createApp() {
  const app = new Hono<AppEnv>();

  // Per request: parse bindings, open the database client, build auth. No module-level state.
  app.use("*", async (c, next) => {
    const config = parseConfig(c.env);
    const db = createDb({ url: config.DATABASE_URL, authToken: config.DATABASE_AUTH_TOKEN });
    c.set("config", config);
    c.set("db", db);
    let auth: Auth | undefined;
    c.set("auth", () => (auth ??= createAuth(db, config)));
    c.set("queues", queuesOf(c.env));
    c.set("secrets", secretBoxOf(config));
    await next();
  });

  app.get("/health", (c) => c.json({ ok: true }));

  app.route("/webhooks", webhooks);

  app.route("/v1/access", accessCheck);

  app.route("/api/facilities", activityCsv);

  app.route("/api/dev/mailbox", devMailbox);

  app.post(`${AUTH_BASE_PATH}/sign-in/email`, signInThrottle);
  app.on(["GET", "POST"], `${AUTH_BASE_PATH}/*`, (c) => c.get("auth")().handler(c.req.raw));

  app.use(
    "/trpc/*",
    trpcServer({
      router: appRouter,
      endpoint: "/trpc",
      createContext: (_opts, c) =>
        createTrpcContext(
          {
            db: c.get("db"),
            now: () => Date.now(),
            queues: c.get("queues"),
            secrets: c.get("secrets"),
            partnerUrls: partnerUrlPolicyFromConfig(c.get("config")),
            publicUrl: new URL(c.req.url).origin,
          },
          c.get("auth")(),
          c,
        ) as unknown as Record<string, unknown>,
    }),
  );

  app.notFound((c) => c.json({ error: { code: "not_found", message: "Not found" } }, 404));

  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    if (error instanceof ConfigError) {
      // Names the bindings at fault, never their values: the deploy must be fixed, not retried.
      console.error(error.message);
      return c.json({ error: { code: "misconfigured", message: error.message } }, 503);
    }
    const { errorId, message } = internalError(error, `${c.req.method} ${c.req.path}`);
    return c.json({ error: { code: "internal_error", message, errorId } }, 500);
  });

  return app;
}
