import { createDb, type Db } from "@uas/db";
import type { Bindings } from "./bindings";
import type { Actor, Ctx, Queues } from "./context";
import { parseConfig, partnerUrlPolicyFromConfig, secretBoxOf, tuningFromConfig, type AppConfig } from "./env";

/**
 * The composition root: the one place where an invocation's use-case context is built from the Worker's
 * bindings, whatever the entry (an HTTP request, a tRPC call, a webhook, the cron, a queue batch). Each
 * invocation gets parsed bindings, a fresh database client, the queues, the secret box, the tuning and
 * the partner URL policy; only who acts and the clock differ between entries.
 */
export type Composition = {
  config: AppConfig;
  /** This invocation's database client (every context below shares it). */
  db: Db;
  /** The context one actor's use-cases run in; `now` defaults to the wall clock. */
  ctxFor: <A extends Actor>(actor: A, now?: () => number) => Ctx<A>;
};

export function compose(env: Bindings): Composition {
  const config = parseConfig(env);
  const shared: Omit<Ctx, "actor" | "now"> = {
    db: createDb({ url: config.DATABASE_URL, authToken: config.DATABASE_AUTH_TOKEN }),
    queues: queuesOf(env),
    secrets: secretBoxOf(config),
    tuning: tuningFromConfig(config),
    partnerUrls: partnerUrlPolicyFromConfig(config),
  };
  return { config, db: shared.db, ctxFor: (actor, now = () => Date.now()) => ({ ...shared, actor, now }) };
}

function queuesOf(env: Bindings): Queues {
  return { sync: env.SYNC_QUEUE, webhooks: env.WEBHOOKS_QUEUE, invitations: env.INVITATIONS_QUEUE };
}
