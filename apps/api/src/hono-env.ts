import type { Db } from "@uas/db";
import type { Auth } from "./areas/auth/auth";
import type { Bindings } from "./bindings";
import type { Composition } from "./composition";
import type { AppConfig } from "./env";

/**
 * What every HTTP route finds on its Hono context, set once per request by the app's first middleware
 * (app.ts) from the composition root. `auth` is built on first use: webhooks and other routes without
 * sessions never pay for it.
 */
export type AppVariables = { config: AppConfig; db: Db; auth: () => Auth; ctxFor: Composition["ctxFor"] };
export type AppEnv = { Bindings: Bindings; Variables: AppVariables };
