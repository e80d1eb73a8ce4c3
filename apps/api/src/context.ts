import type { Db, SecretBox } from "@uas/db";
import { PRODUCTION_URL_POLICY, type PartnerUrlPolicy } from "./sources/partner-url";

export type Actor =
  | { type: "admin"; userId: string; email: string }
  | { type: "cron" }
  | { type: "webhook"; sender: string }
  | { type: "system" }
  | { type: "anonymous" };

/** What use-cases need of a queue; Cloudflare's `Queue` binding satisfies it. */
export type QueueProducer = {
  send(body: unknown): Promise<unknown>;
  sendBatch(messages: Iterable<{ body: unknown }>): Promise<unknown>;
};

export type Queues = {
  sync: QueueProducer;
  webhooks: QueueProducer;
  invitations: QueueProducer;
};

/** Operational knobs, from bindings; tests turn them down to exercise limits cheaply. */
export type Tuning = {
  /** Listing pages one queue message reads before it enqueues its continuation. */
  pagesPerStep: number;
  listing: { pageSize: number; timeoutMs: number; retries: number; minRetryDelayMs: number };
};

export const DEFAULT_TUNING: Tuning = {
  pagesPerStep: 5,
  listing: { pageSize: 1000, timeoutMs: 10_000, retries: 3, minRetryDelayMs: 500 },
};

/** What every use-case receives: who acts, the database (or a transaction), the clock, the queues. */
export type Ctx<A extends Actor = Actor> = {
  actor: A;
  db: Db;
  now: () => number;
  queues: Queues;
  /** Seals and opens partner API keys and webhook secrets (SECRETS_KEY). */
  secrets: SecretBox;
  tuning?: Tuning;
  /** Where partner keys may be sent; without it, production's rule (https to a public host). */
  partnerUrls?: PartnerUrlPolicy;
  /** The Worker's own origin as the caller reached it: where systems deliver webhooks. */
  publicUrl?: string;
};

export const tuningOf = (ctx: Ctx): Tuning => ctx.tuning ?? DEFAULT_TUNING;
export const partnerUrlPolicyOf = (ctx: Ctx): PartnerUrlPolicy => ctx.partnerUrls ?? PRODUCTION_URL_POLICY;

export type AdminCtx = Ctx<Extract<Actor, { type: "admin" }>>;
