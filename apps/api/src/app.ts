import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { trpcServer } from "@hono/trpc-server";
import { ConfigError } from "./env";
import { internalError } from "./errors";
import type { AppEnv } from "./hono-env";
import { compose } from "./composition";
import { createAuth, AUTH_BASE_PATH, type Auth } from "./areas/auth/auth";
import { signInThrottle } from "./areas/auth/sign-in-throttle";
import { createTrpcContext } from "./trpc/context";
import { appRouter } from "./trpc/app-router";
import { activityCsv } from "./areas/activity/csv-route";
import { webhooks } from "./areas/webhooks/routes";
import { devMailbox } from "./areas/invitations/email/dev-mailbox";
import { accessCheck } from "./areas/access/door-route";

export function createApp() {
  const app = new Hono<AppEnv>();

  // The door's check, ahead of the composition below: it needs one database read, not the app
  // (areas/access/door-route.ts). Registered first, it answers before that middleware runs.
  app.route("/v1/access", accessCheck);

  // Per request, from the composition root: parsed bindings, a fresh database client, auth on first use.
  app.use("*", async (c, next) => {
    const { config, db, databases, ctxFor, ctxForOrganisation } = compose(c.env);
    c.set("config", config);
    c.set("db", db);
    c.set("databases", databases);
    c.set("ctxFor", ctxFor);
    c.set("ctxForOrganisation", ctxForOrganisation);
    let auth: Auth | undefined;
    c.set("auth", () => (auth ??= createAuth(db, config)));
    await next();
  });

  app.get("/health", (c) => c.json({ ok: true }));

  app.route("/webhooks", webhooks);

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
          // Use-cases that hand systems a webhook URL need the Worker's own origin as the caller reached it.
          (actor, now) => ({ ...c.get("ctxFor")(actor, now), publicUrl: new URL(c.req.url).origin }),
          c.get("ctxForOrganisation"),
          c.get("auth")(),
          c.req.raw.headers,
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
