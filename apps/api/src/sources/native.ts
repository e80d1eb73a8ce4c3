import {
  CONNECTORS,
  ConnectorError,
  connectorFor,
  type ConnectionContext,
  type ConnectionProblem,
  type Connector,
} from "@uas/connectors";
import type { IntegrationSystem } from "@uas/db";
import type { Ctx } from "../context";
// The one outbound policy (ADR 0012) is applied by the one context builder; redirects are refused by the
// connectors' own calls (shared/http.ts).
import { contextOf } from "./connections";

/**
 * Native member systems (Mindbody, PushPress, …) reached through their connectors (`@uas/connectors`).
 * Credentials are the connector's own field names, validated by its `credentialsSchema`, stored sealed as
 * JSON; every call goes through the Worker's outbound policy (ADR 0012).
 */

/** The systems the Connect dialog offers, in its order, with the API each reaches unless told otherwise. */
export const CONNECTABLE_SYSTEMS = [
  "partner-api",
  "mindbody",
  "pushpress",
  "glofox",
  "abc-ignite",
] as const satisfies IntegrationSystem[];

export const SYSTEM_LABELS: Record<IntegrationSystem, string> = {
  "partner-api": "Partner API",
  mindbody: "Mindbody",
  pushpress: "PushPress",
  glofox: "Glofox",
  "abc-ignite": "ABC Ignite",
};

/** Where each system's API is in production (the Connect dialog pre-fills it; simulators replace it). */
export const DEFAULT_API_URLS: Partial<Record<IntegrationSystem, string>> = {
  mindbody: "https://api.mindbodyonline.com/public/v6",
  pushpress: "https://api.pushpress.com/v3",
  glofox: "https://gf-api.aws.glofox.com/prod",
  "abc-ignite": "https://api.abcfinancial.com/rest",
};

export const isNative = (system: IntegrationSystem) => system !== "partner-api";

/** The connector of a native system, or null when it has not landed in the registry yet. */
export function nativeConnector(system: IntegrationSystem): Connector<Record<string, string>> | null {
  return CONNECTORS[system] ? connectorFor(system) : null;
}

/** The account id under whichever name the system gives it (Mindbody siteId, PushPress companyId, …). */
export function accountIdOf(credentials: Record<string, unknown>): string | null {
  for (const key of ["siteId", "companyId", "clubId", "clubNumber", "branchId"]) {
    const value = credentials[key];
    if (typeof value === "string" && value !== "") return value;
    if (typeof value === "number") return String(value);
  }
  return null;
}

/**
 * A native system's context for the calls the Integrations page and the webhook route make (test
 * connection, locations, fetch one, subscriptions, metrics): the one builder (`connections.ts`) with the
 * context's policy and LISTING_* timeout and retries; no page size, as these calls list nothing.
 */
export function connectionContext(
  ctx: Ctx,
  baseUrl: string,
  credentials: Record<string, string>,
): ConnectionContext<Record<string, string>> {
  const { timeoutMs, retries, minRetryDelayMs } = ctx.tuning.listing;
  return contextOf({
    baseUrl,
    credentials,
    options: { timeoutMs, retries, minRetryDelayMs, policy: ctx.partnerUrls },
  });
}

/** What each system calls the account an integration reads. */
const WRONG_ACCOUNT: Partial<Record<IntegrationSystem, string>> = {
  mindbody: "Wrong site",
  pushpress: "Wrong company",
  glofox: "Wrong branch",
  "abc-ignite": "Wrong club",
};

/** The headline "Test connection" shows for each problem: what failed, in the admin's words. */
export function problemHeadline(problem: ConnectionProblem, system: IntegrationSystem): string {
  switch (problem) {
    case "wrong-credentials":
      return "Wrong key";
    case "wrong-account":
      return WRONG_ACCOUNT[system] ?? "Wrong account";
    case "no-permission":
      return "No permission";
    case "unreachable":
      return "Unreachable";
    case "rate-limited":
      return "Too many requests";
    case "quota-exhausted":
      return "Daily call quota used up";
    case "source-error":
      return "The system answered with an error";
  }
}

export type ConnectionCheck =
  | { ok: true; message: string }
  | { ok: false; problem: ConnectionProblem; message: string };

/** A connector's failure as the admin reads it; anything that is not a ConnectorError is "unreachable". */
export function connectionFailure(error: unknown, system: IntegrationSystem): ConnectionCheck & { ok: false } {
  const problem: ConnectionProblem = error instanceof ConnectorError ? error.problem : "unreachable";
  const detail = error instanceof ConnectorError ? error.message : `${SYSTEM_LABELS[system]} could not be reached`;
  return { ok: false, problem, message: `${problemHeadline(problem, system)}: ${detail}` };
}
