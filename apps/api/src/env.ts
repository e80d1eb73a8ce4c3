import { z } from "zod";
import { createSecretBox, parseSecretsKeySpec, PRUNE_BATCH_MAX, SecretsKeyError, type SecretBox } from "@uas/db";
import { DEFAULT_TUNING, type Tuning } from "./context";
import { DEFAULT_RESEND_API_URL } from "./areas/invitations/email/resend-provider";
import type { PartnerUrlPolicy } from "./sources/partner-url";

/** Bindings and secrets, parsed at the entry (once per isolate's env); nothing is read from env elsewhere. */
const appEnvSchema = z
  .object({
    DATABASE_URL: z.url(),
    DATABASE_AUTH_TOKEN: z.string().optional(),
    /**
     * Where organisations' own databases are (ADR 0021), `{database}` standing for the directory's name:
     * `libsql://{database}-<turso-org>.turso.io`. Unset: every organisation's data is in the catalog.
     */
    ORGANISATION_DATABASE_URL: z
      .string()
      .refine((value) => value.includes("{database}"), "must contain {database}")
      .refine((value) => URL.canParse(value.replaceAll("{database}", "db")), "is not a URL")
      .optional(),
    /** Turso's group token for the organisation databases; default DATABASE_AUTH_TOKEN. */
    ORGANISATION_DATABASE_AUTH_TOKEN: z.string().optional(),
    AUTH_SECRET: z.string().min(32, "AUTH_SECRET must be at least 32 characters"),
    /** The admin app's origin(s), comma-separated: trusted for sign-in requests. */
    WEB_ORIGIN: z
      .string()
      .transform((value) => value.split(",").map((origin) => origin.trim()))
      .pipe(z.array(z.url()).min(1)),
    APP_ENV: z.enum(["development", "test", "production"]).default("production"),
    /** The key ring that seals partner API keys and webhook secrets at rest (packages/db/src/secrets.ts). */
    SECRETS_KEY: z.string().superRefine((spec, ctx) => {
      try {
        parseSecretsKeySpec(spec);
      } catch (error) {
        if (!(error instanceof SecretsKeyError)) throw error;
        ctx.addIssue({ code: "custom", message: error.message });
      }
    }),
    /** `off` only for local load benchmarks: refused in production. */
    WEBHOOK_RATE_LIMIT: z.enum(["on", "off"]).default("on"),
    // A step costs about 15 + 6 × pages subrequests and a batch holds 10 messages: 12 pages keeps a
    // batch under Workers' 1,000 subrequests (docs/scaling.md).
    PASS_PAGES_PER_STEP: z.coerce.number().int().min(1).max(12).default(DEFAULT_TUNING.pagesPerStep),
    LISTING_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(DEFAULT_TUNING.listing.pageSize),
    LISTING_TIMEOUT_MS: z.coerce.number().int().min(100).default(DEFAULT_TUNING.listing.timeoutMs),
    LISTING_RETRIES: z.coerce.number().int().min(0).max(10).default(DEFAULT_TUNING.listing.retries),
    LISTING_RETRY_DELAY_MS: z.coerce.number().int().min(1).default(DEFAULT_TUNING.listing.minRetryDelayMs),
    /** A polled club's interval (ADR 0018): 3 minutes; the cron runs every minute, so 60 is the least. */
    POLL_INTERVAL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .max(3600)
      .default(DEFAULT_TUNING.pollIntervalMs / 1000),
    /** Rows one retention message deletes: one statement, so never an unbounded one. */
    PRUNE_BATCH_SIZE: z.coerce.number().int().min(1).max(PRUNE_BATCH_MAX).default(DEFAULT_TUNING.pruneBatchSize),
    /** The email provider (Resend's API; under `npm start` the local mailbox). The key is a secret. */
    RESEND_API_URL: z.url().default(DEFAULT_RESEND_API_URL),
    RESEND_API_KEY: z.string().min(1).optional(),
    EMAIL_FROM: z.string().min(3).default("User Access <invitations@useraccess.invalid>"),
    /** Where invitations tell people to get the app; without it they say "your phone's app store". */
    APP_DOWNLOAD_URL: z.url().optional(),
    /** Deliveries retried in the queue on a provider outage before the invitation is recorded as failed. */
    INVITATION_SEND_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
    INVITATION_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  })
  .superRefine((config, ctx) => {
    if (config.APP_ENV !== "production") return;
    // What a deploy that skipped a step would otherwise run with (docs/adr/0013-hardening-infra.md).
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    for (const origin of config.WEB_ORIGIN) {
      const url = new URL(origin);
      if (isLoopback(url.hostname))
        issue("WEB_ORIGIN", `${origin} is a local address; set the admin app's public origin`);
    }
    if (!config.DATABASE_AUTH_TOKEN)
      issue("DATABASE_AUTH_TOKEN", "is missing (wrangler secret put DATABASE_AUTH_TOKEN)");
    if (config.WEBHOOK_RATE_LIMIT === "off") issue("WEBHOOK_RATE_LIMIT", "off is for local benchmarks only");
  });

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return (
    host === "localhost" || host.endsWith(".localhost") || host === "::1" || host === "0.0.0.0" || /^127\./.test(host)
  );
}

export type AppConfig = z.infer<typeof appEnvSchema>;

/** The Worker cannot run with these bindings: answered as a clear 503, never a half-configured run. */
export class ConfigError extends Error {}

// The runtime hands every invocation of an isolate the same `env` object: parse it once, not per request
// (the schema parse was a millisecond of CPU on every webhook).
const parsedConfigs = new WeakMap<object, AppConfig>();

export function parseConfig(env: unknown): AppConfig {
  const cached = typeof env === "object" && env !== null ? parsedConfigs.get(env) : undefined;
  if (cached) return cached;
  const config = parseConfigUncached(env);
  if (typeof env === "object" && env !== null) parsedConfigs.set(env, config);
  return config;
}

function parseConfigUncached(env: unknown): AppConfig {
  const parsed = appEnvSchema.safeParse(env);
  if (!parsed.success) {
    // Name the binding, never its value: these are secrets.
    const fields = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid Worker configuration: ${fields.join("; ")}`);
  }
  return parsed.data;
}

/** Development and tests reach the demo partner and simulators on this machine; production never does. */
export function partnerUrlPolicyFromConfig(config: AppConfig): PartnerUrlPolicy {
  return { allowLoopback: config.APP_ENV !== "production" };
}

export function tuningFromConfig(config: AppConfig): Tuning {
  return {
    pagesPerStep: config.PASS_PAGES_PER_STEP,
    listing: {
      pageSize: config.LISTING_PAGE_SIZE,
      timeoutMs: config.LISTING_TIMEOUT_MS,
      retries: config.LISTING_RETRIES,
      minRetryDelayMs: config.LISTING_RETRY_DELAY_MS,
    },
    pollIntervalMs: config.POLL_INTERVAL_SECONDS * 1000,
    pruneBatchSize: config.PRUNE_BATCH_SIZE,
  };
}

// One box per parsed configuration (per isolate's env), so its keys are imported once, not per request.
const secretBoxes = new WeakMap<AppConfig, SecretBox>();

export function secretBoxOf(config: AppConfig): SecretBox {
  let box = secretBoxes.get(config);
  if (!box) {
    box = createSecretBox(config.SECRETS_KEY);
    secretBoxes.set(config, box);
  }
  return box;
}
