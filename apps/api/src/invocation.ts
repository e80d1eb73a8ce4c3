import { createDb } from "@uas/db";
import { parseConfig, partnerUrlPolicyFromConfig, secretBoxOf, tuningFromConfig, type AppConfig } from "./env";
import type { Bindings } from "./bindings";
import type { Actor, Ctx, Queues } from "./context";

export function queuesOf(env: Bindings): Queues {
  return { sync: env.SYNC_QUEUE, webhooks: env.WEBHOOKS_QUEUE, invitations: env.INVITATIONS_QUEUE };
}

/** The use-case context of one invocation (request, cron, queue batch): parsed bindings, a fresh client. */
export function invocationCtx(
  env: Bindings,
  actor: Actor,
  now: () => number = () => Date.now(),
): { ctx: Ctx; config: AppConfig } {
  const config = parseConfig(env);
  const ctx: Ctx = {
    actor,
    db: createDb({ url: config.DATABASE_URL, authToken: config.DATABASE_AUTH_TOKEN }),
    now,
    queues: queuesOf(env),
    secrets: secretBoxOf(config),
    tuning: tuningFromConfig(config),
    partnerUrls: partnerUrlPolicyFromConfig(config),
  };
  return { ctx, config };
}
