import type { SchemaIssue } from "@uas/domain";

/**
 * The seam between the sync engine and the systems people come from (ADR 0016).
 *
 * A connector is one folder under `src/`, one entry in `CONNECTORS` (`registry.ts`) and, in the domain, one
 * source kind. It speaks its system's HTTP dialect (auth headers, paging, field names, signatures, limits)
 * and hands the engine records in the partner contract's shape, so the rules (`planRecord`, the brake, the
 * sweep) never learn a vendor's vocabulary. Connectors run inside the Worker: fetch and WebCrypto only.
 */

/** The systems a source can be. `partner-api` is our own contract; `cctv` the Computer Vision module. */
export const SYSTEM_IDS = ["partner-api", "cctv", "mindbody", "pushpress", "glofox", "abc-ignite"] as const;
export type SystemId = (typeof SYSTEM_IDS)[number];

/**
 * A record in the partner contract's listing shape (`integrationMemberSchema` / `cctvPersonSchema` input):
 * snake_case, `updated_at` as ISO 8601 with offset. The domain validates it; a connector only translates.
 * `membership_status` carries the system's raw status (the user panel shows it); `statusLabel` in the
 * connector maps it to the product's vocabulary.
 */
export type ContractRecord = Record<string, unknown>;

/** How an outbound call to the system went wrong, in words an admin can act on ("Test connection"). */
export type ConnectionProblem =
  | "wrong-credentials" // 401: the key, token or secret is not accepted
  | "wrong-account" // the site, company or club id does not exist for these credentials
  | "no-permission" // 403: the credentials are valid but may not read people
  | "unreachable" // DNS, TLS, timeout, refused URL, redirect
  | "rate-limited" // 429 after retries
  | "source-error" // 5xx after retries, malformed page, or a 200 that says it failed
  | "quota-exhausted"; // a published daily quota is used up (Mindbody)

export class ConnectorError extends Error {
  constructor(
    readonly problem: ConnectionProblem,
    message: string,
    /** The HTTP status the system answered, 0 when there was no answer. */
    readonly status = 0,
  ) {
    super(message);
    this.name = "ConnectorError";
  }
}

/**
 * Everything a connector needs to reach one account at its system. `credentials` are opened (decrypted)
 * by the caller; their names are the connector's own (`apiKey`, `siteId`, `companyId`, ...), validated by
 * `credentialsSchema`. `fetch` is injected so the Worker's policy (ADR 0012: no private addresses, no
 * redirects) and tests' counters wrap every call.
 */
export type ConnectionContext<Credentials = Record<string, string>> = {
  baseUrl: string;
  credentials: Credentials;
  fetch: typeof fetch;
  /** Paging and retry tuning (the Worker's LISTING_* settings). */
  tuning?: { pageSize?: number; timeoutMs?: number; retries?: number; minRetryDelayMs?: number };
};

/** One page of a listing, already in the contract's shape. */
export type ListingPage = {
  records: ContractRecord[];
  /**
   * Deltas only: people the system reports as gone in the changed set (Mindbody's deactivated clients, Glofox
   * `active: false`, ABC Ignite `isActive: false`), in the contract's removal shape (`integrationRemovalSchema`). A full listing never
   * has them: there, absence is the removal (the sweep).
   */
  removals?: ContractRecord[];
  nextCursor: string | null;
  /** Calls made for this page (quotas are counted per call, bench:connectors prints them). */
  calls: number;
};

/** What to list: one facility's people, or (deltas) only those changed since a watermark. */
export type ListingRequest = {
  /** The system's own location ids mapped to the facility being synced (the location map); null = all. */
  locationIds: string[] | null;
  /** Resume token from the previous page. */
  cursor: string | null;
  /** ISO instant: only people changed at or after it (where the system offers deltas). */
  since?: string;
};

/** A system's own location, listed for the admin to map to a facility. */
export type SystemLocation = { id: string; name: string };

/** The request as the webhook route received it: headers lower-cased, body untouched (signatures). */
export type InboundWebhook = {
  method: string;
  headers: Record<string, string>;
  rawBody: string;
  url: string;
  /**
   * The body's bytes exactly as received, where the caller has them: a signature is over bytes, and a body
   * that is not valid UTF-8 (answered 400 after the signature check) has no faithful `rawBody`.
   */
  rawBytes?: Uint8Array;
};

/** Verification outcome. `secrets` are the current and, while a rotation overlaps, the previous secret. */
export type WebhookVerification = { ok: true } | { ok: false; status: 401; reason: string };

/**
 * One change a delivery carries, in the contract's event shape or as a request to fetch the person (an
 * event whose facility cannot be told from its own data) or a profile merge at the source.
 */
export type InboundChange =
  | { kind: "upsert"; record: ContractRecord }
  | { kind: "removal"; record: ContractRecord }
  | { kind: "fetch"; externalId: string }
  | { kind: "merge"; keptExternalId: string; removedExternalId: string; updatedAt: string }
  | { kind: "ignored"; reason: string };

/** A parsed delivery: its idempotency key (the system's message/event id) and what it changes. */
export type InboundDelivery = { eventId: string; occurredAt: string; change: InboundChange };

export type WebhookParse = { ok: true; deliveries: InboundDelivery[] } | { ok: false; issues: SchemaIssue[] };

/** Webhook verification and parsing on `POST /webhooks/integrations/{id}` (or `/webhooks/cctv/{id}`). */
export interface WebhookDialect {
  /** Checks the signature (and timestamp tolerance, where the system signs one) over the raw body. */
  verify(request: InboundWebhook, secrets: readonly string[], now: number): Promise<WebhookVerification>;
  /**
   * Validates the body with the system's schema and translates it; issues name the field path. With the
   * integration's credentials, events of another account (a Mindbody developer key's subscription hears
   * every site that granted it access) come back `ignored`.
   */
  parse(request: InboundWebhook, credentials?: Record<string, string>): WebhookParse;
  /** Systems that probe the URL before subscribing (Mindbody's `HEAD`) get this status. */
  probeStatus?: number;
}

/** Where the system manages webhook subscriptions itself, the product sets them up for the admin. */
export interface SubscriptionManager<Credentials> {
  /** Creates (or finds) and activates the subscription; returns the secret that will sign deliveries. */
  ensure(context: ConnectionContext<Credentials>, webhookUrl: string): Promise<{ signingSecret: string }>;
  /** Rotates the signing secret; the caller keeps the previous one until the overlap ends. */
  rotate(context: ConnectionContext<Credentials>, webhookUrl: string): Promise<{ signingSecret: string }>;
  /** Delivery failures the system reports, where it has them (Mindbody `GET /metrics`). */
  deliveryFailures?(context: ConnectionContext<Credentials>): Promise<number | null>;
}

/** A kind of source's I/O, behind one interface. */
export interface Connector<Credentials = Record<string, string>> {
  system: SystemId;
  /** Validates the stored/entered credentials; field names are what the Connect dialog shows. */
  credentialsSchema: import("zod").ZodType<Credentials>;
  /** One cheap authenticated call; throws `ConnectorError` with the problem. */
  testConnection(context: ConnectionContext<Credentials>): Promise<void>;
  /** The system's own locations (sites, companies, clubs) for the location map. */
  locations(context: ConnectionContext<Credentials>): Promise<SystemLocation[]>;
  /** One page of the listing; deltas when `request.since` is set and `supportsDelta`. */
  listPage(context: ConnectionContext<Credentials>, request: ListingRequest): Promise<ListingPage>;
  supportsDelta: boolean;
  /** One person, for "Sync this person now" and events that need the person fetched; null = not found. */
  fetchOne(context: ConnectionContext<Credentials>, externalId: string): Promise<ContractRecord | null>;
  /** Absent for systems without webhooks (ABC Ignite: continuous = delta polling). */
  webhooks?: WebhookDialect;
  subscriptions?: SubscriptionManager<Credentials>;
  /** The system's raw membership status → the product's label ("Active", "On hold", ...). */
  statusLabel(raw: string): string;
}
