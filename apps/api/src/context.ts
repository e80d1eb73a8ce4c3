import type { Db, SecretBox } from "@uas/db";
import type { PartnerUrlPolicy } from "./sources/partner-url";

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
  /** How often a polled club (ABC Ignite) is asked for its changes (ADR 0018; `POLL_INTERVAL_SECONDS`). */
  pollIntervalMs: number;
  /** Rows one retention message deletes (at most @uas/db's PRUNE_BATCH_MAX). */
  pruneBatchSize: number;
};

export const DEFAULT_TUNING: Tuning = {
  pagesPerStep: 5,
  listing: { pageSize: 1000, timeoutMs: 10_000, retries: 3, minRetryDelayMs: 500 },
  pollIntervalMs: 3 * 60_000,
  pruneBatchSize: 5000,
};

/** What every use-case receives (built by composition.ts): who acts, the database, the clock, the queues. */
export type Ctx<A extends Actor = Actor> = {
  actor: A;
  /** The database of the organisation this invocation works for (the catalog before one is known). */
  db: Db;
  /** The catalog (ADR 0021): admins, grants, facilities, the directory of organisations' databases. */
  catalog: Db;
  /** Whose database `db` is; undefined: the catalog's own. Queue messages sent from here carry it. */
  organisationId: string | undefined;
  now: () => number;
  queues: Queues;
  /** Seals and opens partner API keys and webhook secrets (SECRETS_KEY). */
  secrets: SecretBox;
  /** Listing page size, timeouts, retries and pages per step (the `LISTING_*` and `PASS_*` bindings). */
  tuning: Tuning;
  /** Where partner keys may be sent (production: https to a public host). */
  partnerUrls: PartnerUrlPolicy;
  /** The Worker's own origin as the caller reached it: where systems deliver webhooks. */
  publicUrl?: string;
};

export type AdminCtx = Ctx<Extract<Actor, { type: "admin" }>>;

/** Builds the context one actor's use-cases run in (composition.ts); `now` defaults to the wall clock. */
export type CtxFor = <A extends Actor>(actor: A, now?: () => number) => Ctx<A>;
