/**
 * Production is the default and refuses to run half-configured: wrangler.jsonc's top level is production,
 * development lives in `env.development` (what `npm start` selects), and a production Worker with a local
 * origin or a missing secret answers 503 naming the setting (never its value).
 */
import { describe, it, expect } from "vitest";
import { env, createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import wranglerConfigText from "../wrangler.jsonc?raw";
import { newSecretsKey } from "@uas/db";
import { createApp } from "../src/app";

const PRODUCTION = {
  DATABASE_URL: "libsql://user-access-sync.turso.io",
  DATABASE_AUTH_TOKEN: "turso-token",
  AUTH_SECRET: "a-production-secret-a-production-secret",
  SECRETS_KEY: newSecretsKey("prod1"),
  WEB_ORIGIN: "https://admin.useraccess.example",
  APP_ENV: "production",
};

async function get(path: string, bindings: Record<string, unknown>) {
  const app = createApp();
  const ctx = createExecutionContext();
  const res = await app.fetch(
    new Request(`https://api.useraccess.example${path}`),
    { ...env, ...bindings } as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, text: await res.text() };
}

/** wrangler.jsonc without comments and trailing commas. */
function wranglerConfig(): {
  vars: Record<string, string>;
  env: Record<string, { vars: Record<string, string>; queues?: unknown; ratelimits?: unknown }>;
  queues: unknown;
  ratelimits: unknown;
} {
  const withoutComments = wranglerConfigText.replace(
    /("(?:[^"\\]|\\.)*")|\/\/[^\n]*/g,
    (_match, string?: string) => string ?? "",
  );
  return JSON.parse(withoutComments.replace(/,(\s*[}\]])/g, "$1"));
}

describe("the Worker's configuration", () => {
  it("defaults to production in wrangler.jsonc; development is an environment with the same bindings", () => {
    const config = wranglerConfig();
    expect(config.vars.APP_ENV).toBe("production");
    expect(config.vars.WEB_ORIGIN).toBeUndefined();
    expect(config.vars.DATABASE_URL).toBeUndefined();
    const development = config.env.development!;
    expect(development.vars.APP_ENV).toBe("development");
    expect(development.queues).toEqual(config.queues);
    expect(development.ratelimits).toEqual(config.ratelimits);
  });

  it("runs in production when everything is set", async () => {
    expect((await get("/health", PRODUCTION)).status).toBe(200);
  });

  it.each([
    ["a localhost WEB_ORIGIN", { WEB_ORIGIN: "http://localhost:5173" }, "WEB_ORIGIN"],
    [
      "a loopback WEB_ORIGIN among others",
      { WEB_ORIGIN: "https://admin.useraccess.example,http://127.0.0.1:5173" },
      "WEB_ORIGIN",
    ],
    ["no database token", { DATABASE_AUTH_TOKEN: undefined }, "DATABASE_AUTH_TOKEN"],
    ["no secrets key", { SECRETS_KEY: undefined }, "SECRETS_KEY"],
    ["a malformed secrets key", { SECRETS_KEY: "k1:c2hvcnQ" }, "SECRETS_KEY"],
    ["no auth secret", { AUTH_SECRET: undefined }, "AUTH_SECRET"],
    ["the webhook rate limiter switched off", { WEBHOOK_RATE_LIMIT: "off" }, "WEBHOOK_RATE_LIMIT"],
  ])("refuses to run in production with %s: 503 naming the setting, never a value", async (_case, change, setting) => {
    const res = await get("/health", { ...PRODUCTION, ...change });
    expect(res.status).toBe(503);
    const body = JSON.parse(res.text) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("misconfigured");
    expect(body.error.message).toContain(setting);
    for (const secret of [PRODUCTION.AUTH_SECRET, PRODUCTION.DATABASE_AUTH_TOKEN, PRODUCTION.SECRETS_KEY])
      expect(res.text).not.toContain(secret);
  });

  it("takes production when APP_ENV is not set at all", async () => {
    const res = await get("/health", { ...PRODUCTION, APP_ENV: undefined, WEB_ORIGIN: "http://localhost:5173" });
    expect(res.status).toBe(503);
  });

  it("lets development and tests run locally", async () => {
    expect(
      (
        await get("/health", {
          ...PRODUCTION,
          APP_ENV: "development",
          WEB_ORIGIN: "http://localhost:5173",
          DATABASE_URL: env.DATABASE_URL,
        })
      ).status,
    ).toBe(200);
  });
});
