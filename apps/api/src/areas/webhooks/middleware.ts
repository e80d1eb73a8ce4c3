import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { Db } from "@uas/db";
import type { IntegrationWebhookTarget, WebhookSenderRow } from "@uas/engine";
import { secretBoxOf } from "../../env";
import type { AppEnv } from "../../hono-env";
import { readBoundedBody, MAX_BODY_BYTES } from "./body";
import { webhookError } from "./errors";
import { inboundWebhook, webhookDialect } from "./dialect";

export type WebhookEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & {
    sender: WebhookSenderRow;
    body: Uint8Array;
    webhookId: string;
    /** Integrations only: the integration's system decides verification and parsing. */
    target: IntegrationWebhookTarget;
  };
};

/** The period of `WEBHOOK_RATE_LIMITER` in wrangler.jsonc: the longest a limited sender has to wait. */
export const RATE_LIMIT_PERIOD_SECONDS = 60;

/**
 * The checks every webhook passes, in this order (docs/adr/0005-webhooks.md):
 * 404 unknown sender → 413 size → 401 signature → 429 rate → (handler) 400 schema → store.
 */
export function webhookChecks(
  find: (db: Db, id: string) => Promise<WebhookSenderRow | null>,
  param: string,
  unknown: string,
) {
  const resolveSender = createMiddleware<WebhookEnv>(async (c, next) => {
    const sender = await find(c.get("db"), c.req.param(param) ?? "");
    if (!sender) return webhookError(c, 404, "not_found", unknown);
    c.set("sender", sender);
    await next();
  });
  return [resolveSender, limitBody, verifyStandardSignature, rateLimit] as const;
}

/** 413 before anything is buffered past the contract's limit. */
export const limitBody = createMiddleware<WebhookEnv>(async (c, next) => {
  const body = await readBoundedBody(c.req.raw, MAX_BODY_BYTES);
  if (!body.ok) return webhookError(c, 413, "payload_too_large", "The body is over 256 KiB (262144 bytes)");
  c.set("body", body.bytes);
  await next();
});

/** The secrets that may sign right now (current, and the previous during a rotation's grace), opened. */
export async function openSenderSecrets(c: Context<WebhookEnv>, now: number): Promise<string[]> {
  const { secrets } = c.get("sender");
  const previousValid = secrets.previous !== null && (secrets.previousValidUntil ?? 0) > now;
  // Stored sealed (SECRETS_KEY): opened only for this check.
  const box = secretBoxOf(c.get("config"));
  const sealed = previousValid && secrets.previous ? [secrets.current, secrets.previous] : [secrets.current];
  return Promise.all(sealed.map((secret) => box.open(secret)));
}

/** The partner contract's and CCTV's signature (Standard Webhooks, their connector): 401 unless a sender's secret signed. */
export const verifyStandardSignature = createMiddleware<WebhookEnv>(async (c, next) => {
  const now = Date.now();
  const result = await webhookDialect(c.get("sender")).verify(
    inboundWebhook(c.req.raw, c.req.header(), c.get("body"), null),
    await openSenderSecrets(c, now),
    now,
  );
  if (!result.ok) return webhookError(c, 401, "invalid_signature", result.reason);
  c.set("webhookId", c.req.header("webhook-id") ?? "");
  await next();
});

// Counted after the signature, so nobody can spend a partner's budget with forged requests.
export const rateLimit = createMiddleware<WebhookEnv>(async (c, next) => {
  // Local load benchmarks measure the pipeline, not the limiter (WEBHOOK_RATE_LIMIT=off, which the
  // configuration refuses in production).
  if (c.get("config").WEBHOOK_RATE_LIMIT === "off") return next();
  const allowed = await c.env.WEBHOOK_RATE_LIMITER.limit({ key: c.get("sender").sender }).then(
    (outcome) => outcome.success,
    (error: unknown) => {
      // The limiter protects us; when it is unavailable, a partner's events still get in.
      console.error("webhook rate limiter failed; letting the request through", error);
      return true;
    },
  );
  if (!allowed) {
    return webhookError(
      c,
      429,
      "rate_limited",
      `Too many webhooks from this sender; retry after ${RATE_LIMIT_PERIOD_SECONDS} seconds`,
      {},
      { "Retry-After": String(RATE_LIMIT_PERIOD_SECONDS) },
    );
  }
  await next();
});
