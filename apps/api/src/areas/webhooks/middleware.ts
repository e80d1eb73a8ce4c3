import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { WebhookVerification } from "@uas/connectors";
import type { Db } from "@uas/db";
import type { IntegrationWebhookTarget, WebhookSenderRow } from "@uas/engine";
import {
  cachedSender,
  confirmSender,
  forgetSender,
  rememberSender,
  takeRefresh,
  type CachedSender,
  type SenderRead,
} from "./sender-cache";
import { secretBoxOf } from "../../env";
import type { AppEnv } from "../../hono-env";
import { readBoundedBody, MAX_BODY_BYTES } from "./body";
import { webhookError } from "./errors";
import { errorSummary } from "../../log";
import { inboundWebhook, webhookDialect } from "./dialect";

export type WebhookEnv = {
  Bindings: AppEnv["Bindings"];
  Variables: AppEnv["Variables"] & {
    sender: WebhookSenderRow;
    body: Uint8Array;
    webhookId: string;
    /** Integrations only: the integration's system decides verification and parsing. */
    target: IntegrationWebhookTarget;
    /** How the sender was found (sender-cache.ts), for verifyBySender. */
    lookup: SenderLookup;
  };
};

export type SenderLookup = {
  /** The cache's key: the route's sender parameter and its value. */
  key: string;
  /** The sender as this isolate verified it lately, or null: read from the database. */
  cached: CachedSender | null;
  /** Reads the sender from the database; null: there is none. */
  read: () => Promise<SenderRead | null>;
  /** The 404 message for a sender that does not exist. */
  unknown: string;
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
    const id = c.req.param(param) ?? "";
    const read = async () => {
      const sender = await find(c.get("db"), id);
      return sender ? { sender, target: null } : null;
    };
    // Keyed by the path: the sender's inbox key is only known once it is found.
    const key = `${param}:${id}`;
    const cached = cachedSender(key, Date.now()) ?? null;
    c.set("lookup", { key, cached, read, unknown });
    if (cached) c.set("sender", cached.sender);
    else if (!(await useRead(c, read))) return webhookError(c, 404, "not_found", unknown);
    await next();
  });
  return [resolveSender, limitBody, verifyStandardSignature, rateLimit] as const;
}

/** Reads the sender and puts it on the request; false: there is none. */
export async function useRead(c: Context<WebhookEnv>, read: SenderLookup["read"]): Promise<boolean> {
  const found = await read();
  if (!found) return false;
  c.set("sender", found.sender);
  if (found.target) c.set("target", found.target);
  return true;
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

/**
 * Verifies a request with its sender's secrets. A sender this isolate verified lately (sender-cache.ts) is
 * trusted for its current secret only; any other signature reads the sender again and is decided on the
 * stored secrets (current, and the previous during a rotation's grace). "gone": the sender was removed.
 */
export async function verifyBySender(
  c: Context<WebhookEnv>,
  verify: (secrets: string[], now: number) => Promise<WebhookVerification>,
): Promise<WebhookVerification | "gone"> {
  const now = Date.now();
  const { key, cached, read } = c.get("lookup");
  if (cached) {
    const fast = await verify([cached.current], now);
    if (fast.ok) {
      if (takeRefresh(key, now)) c.executionCtx.waitUntil(refreshSender(key, read, now));
      return fast;
    }
    forgetSender(key);
    if (!(await useRead(c, read))) return "gone";
  }
  const secrets = await openSenderSecrets(c, now);
  const result = await verify(secrets, now);
  if (result.ok)
    rememberSender(key, { sender: c.get("sender"), target: c.get("target") ?? null, current: secrets[0]! }, now);
  return result;
}

/** Reads a cached sender again after the answer (sender-cache.ts, SENDER_REFRESH_AFTER_MS). */
async function refreshSender(key: string, read: SenderLookup["read"], readAt: number): Promise<void> {
  const found = await read().catch((error: unknown) => {
    console.error("webhook sender refresh failed; the cached entry expires as it would", errorSummary(error));
    return "failed" as const;
  });
  confirmSender(key, found, readAt);
}

/** The partner contract's and CCTV's signature (Standard Webhooks, their connector): 401 unless a sender's secret signed. */
export const verifyStandardSignature = createMiddleware<WebhookEnv>(async (c, next) => {
  const inbound = inboundWebhook(c.req.raw, c.req.header(), c.get("body"), null);
  const result = await verifyBySender(c, (secrets, now) =>
    webhookDialect(c.get("sender")).verify(inbound, secrets, now),
  );
  if (result === "gone") return webhookError(c, 404, "not_found", c.get("lookup").unknown);
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
