import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { authUser, authSession, authAccount, authVerification, type Db } from "@uas/db";
import type { AppConfig } from "../../env";

export const AUTH_BASE_PATH = "/api/auth";

/** Email and password sign-in with database sessions. Admins are provisioned, never self-signed-up. */
export function createAuth(db: Db, config: AppConfig) {
  return betterAuth({
    appName: "User Access Sync",
    basePath: AUTH_BASE_PATH,
    secret: config.AUTH_SECRET,
    database: drizzleAdapter(db, {
      provider: "sqlite",
      schema: { user: authUser, session: authSession, account: authAccount, verification: authVerification },
    }),
    emailAndPassword: { enabled: true, disableSignUp: true },
    // The admin app is the public face: in development it proxies /api to the Worker.
    baseURL: config.WEB_ORIGIN[0],
    trustedOrigins: config.WEB_ORIGIN,
    telemetry: { enabled: false },
    advanced: { useSecureCookies: config.APP_ENV === "production" },
  });
}

export type Auth = ReturnType<typeof createAuth>;
