import { openDatabases, type DatabaseLayout, type Databases, type Db } from "@uas/db";
import type { Bindings } from "./bindings";
import type { CtxFor, QueueProducer, Queues } from "./context";
import { parseConfig, partnerUrlPolicyFromConfig, secretBoxOf, tuningFromConfig, type AppConfig } from "./env";

/**
 * The composition root: the one place where an invocation's use-case context is built from the Worker's
 * bindings, whatever the entry (an HTTP request, a tRPC call, a webhook, the cron, a queue batch). Each
 * invocation gets parsed bindings, its database clients, the queues, the secret box, the tuning and
 * the partner URL policy; only who acts, the clock and the organisation whose data it touches differ.
 */
export type Composition = {
  config: AppConfig;
  /** The catalog and the organisations' databases (ADR 0021), clients made on first use. */
  databases: Databases;
  /** The catalog database: admins, sessions, grants, the directory. */
  db: Db;
  /** Contexts over the catalog: what runs before an organisation is known (sign-in, routing, the cron). */
  ctxFor: CtxFor;
  /**
   * Contexts over an organisation's database, whose queue messages carry the organisation so their
   * consumers open the same database. Undefined: the catalog, as a message from before the split names it.
   */
  ctxForOrganisation(organisationId: string | undefined): Promise<CtxFor>;
};

/** The catalog and where organisations' databases are, from the bindings. */
export function databaseLayoutOf(config: AppConfig): DatabaseLayout {
  return {
    catalog: { url: config.DATABASE_URL, authToken: config.DATABASE_AUTH_TOKEN },
    organisationUrlTemplate: config.ORGANISATION_DATABASE_URL,
    organisationAuthToken: config.ORGANISATION_DATABASE_AUTH_TOKEN,
  };
}

export function compose(env: Bindings): Composition {
  const config = parseConfig(env);
  const databases = openDatabases(databaseLayoutOf(config));
  const shared = {
    catalog: databases.catalog,
    secrets: secretBoxOf(config),
    tuning: tuningFromConfig(config),
    partnerUrls: partnerUrlPolicyFromConfig(config),
  };
  const scoped =
    (db: Db, organisationId: string | undefined): CtxFor =>
    (actor, now = () => Date.now()) => ({
      ...shared,
      db,
      organisationId,
      queues: queuesOf(env, organisationId),
      actor,
      now,
    });
  return {
    config,
    databases,
    db: databases.catalog,
    ctxFor: scoped(databases.catalog, undefined),
    ctxForOrganisation: async (organisationId) =>
      organisationId === undefined
        ? scoped(databases.catalog, undefined)
        : scoped(await databases.forOrganisation(organisationId), organisationId),
  };
}

/**
 * A message's envelope (ADR 0021): the organisation whose database its consumer must open
 * (queues/consume.ts reads it). Without one, the catalog's.
 */
export function stampOrganisation<T>(body: T, organisationId: string | undefined): T {
  if (organisationId === undefined || typeof body !== "object" || body === null || Array.isArray(body)) return body;
  return { ...body, organisationId };
}

/** The queues, stamping every message with the organisation whose database its consumer must open. */
function queuesOf(env: Bindings, organisationId: string | undefined): Queues {
  const queues = { sync: env.SYNC_QUEUE, webhooks: env.WEBHOOKS_QUEUE, invitations: env.INVITATIONS_QUEUE };
  if (organisationId === undefined) return queues;
  const stamp = (body: unknown) => stampOrganisation(body, organisationId);
  const stamped = (queue: QueueProducer): QueueProducer => ({
    send: (body) => queue.send(stamp(body)),
    sendBatch: (messages) =>
      queue.sendBatch([...messages].map((message) => ({ ...message, body: stamp(message.body) }))),
  });
  return { sync: stamped(queues.sync), webhooks: stamped(queues.webhooks), invitations: stamped(queues.invitations) };
}
