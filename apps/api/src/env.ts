import { z } from "zod";
import { DEFAULT_TUNING, type Tuning } from "./context";

/** Bindings and secrets, parsed once per invocation at the entry; nothing is read from env elsewhere. */
const appEnvSchema = z.object({
  DATABASE_URL: z.url(),
  DATABASE_AUTH_TOKEN: z.string().optional(),
  AUTH_SECRET: z.string().min(32, "AUTH_SECRET must be at least 32 characters"),
  /** The admin app's origin(s), comma-separated: trusted for sign-in requests. */
  WEB_ORIGIN: z
    .string()
    .transform((value) => value.split(",").map((origin) => origin.trim()))
    .pipe(z.array(z.url()).min(1)),
  APP_ENV: z.enum(["development", "test", "production"]).default("production"),
  PASS_PAGES_PER_STEP: z.coerce.number().int().min(1).max(100).default(DEFAULT_TUNING.pagesPerStep),
  LISTING_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(DEFAULT_TUNING.listing.pageSize),
  LISTING_TIMEOUT_MS: z.coerce.number().int().min(100).default(DEFAULT_TUNING.listing.timeoutMs),
  LISTING_RETRIES: z.coerce.number().int().min(0).max(10).default(DEFAULT_TUNING.listing.retries),
  LISTING_RETRY_DELAY_MS: z.coerce.number().int().min(1).default(DEFAULT_TUNING.listing.minRetryDelayMs),
});

export type AppConfig = z.infer<typeof appEnvSchema>;

export type Bindings = Env & { AUTH_SECRET?: string; DATABASE_AUTH_TOKEN?: string };

export function parseConfig(env: Bindings): AppConfig {
  const parsed = appEnvSchema.safeParse(env);
  if (!parsed.success) {
    // Name the binding, never its value: these are secrets.
    const fields = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid Worker configuration: ${fields.join("; ")}`);
  }
  return parsed.data;
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
  };
}
