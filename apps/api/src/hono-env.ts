import type { Databases, Db } from "@uas/db";
import type { Auth } from "./areas/auth/auth";
import type { Bindings } from "./bindings";
import type { CtxFor } from "./context";
import type { AppConfig } from "./env";

/**
 * What every HTTP route finds on its Hono context, set once per request by the app's first middleware
 * (app.ts) from the composition root. `auth` is built on first use: webhooks and other routes without
 * sessions never pay for it.
 */
export type AppVariables = {
  config: AppConfig;
  /** The catalog until a route knows the organisation; webhook routes then put its database here (ADR 0021). */
  db: Db;
  databases: Databases;
  auth: () => Auth;
  ctxFor: CtxFor;
  ctxForOrganisation: (organisationId: string | undefined) => Promise<CtxFor>;
};
export type AppEnv = { Bindings: Bindings; Variables: AppVariables };
