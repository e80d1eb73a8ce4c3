import {
  DISCONNECTED_API_KEY,
  findIntegrationOfOrganisation,
  openSystemCredentials,
  rotateWebhookSecret,
  type IntegrationRow,
  type IntegrationSystem,
} from "@uas/db";
import type { SystemLocation } from "@uas/connectors";
import type { Ctx } from "../../context";
import { AppError, conflict, invalidField, notFound } from "../../errors";
import { partnerUrlProblem } from "../../sources/partner-url";
import {
  DEFAULT_API_URLS,
  SYSTEM_LABELS,
  accountIdOf,
  connectionContext,
  connectionFailure,
  nativeConnector,
  type ConnectionCheck,
} from "../../sources/native";

type OrgInput = { organisationId: string };

/** A connection to check or list from: what the Connect dialog holds, or an integration already connected. */
export type ConnectionTarget =
  | (OrgInput & { integrationId: string })
  | (OrgInput & { system: IntegrationSystem; baseUrl?: string | undefined; credentials: Record<string, string> });

const HOUR = 3_600_000;
/** Deliveries signed with the key a new subscription replaced keep verifying this long. */
const SUBSCRIPTION_GRACE_HOURS = 24;

function connectorOf(system: IntegrationSystem, path: Array<string | number> = ["system"]) {
  const connector = nativeConnector(system);
  if (!connector) throw invalidField(path, `${SYSTEM_LABELS[system]} cannot be connected yet`);
  return connector;
}

/**
 * The entered credentials, checked by the system's connector: each issue names its field under
 * `credentials` (`credentials.siteId`: "The site id is a number").
 */
export function validCredentials(
  system: IntegrationSystem,
  raw: Record<string, string>,
  path: Array<string | number> = ["credentials"],
): Record<string, string> {
  const parsed = connectorOf(system).credentialsSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: [...path, ...issue.path.map((part) => (typeof part === "symbol" ? String(part) : part))],
      message: issue.message,
    }));
    throw new AppError("bad_request", issues[0]?.message ?? "Check the credentials", issues);
  }
  return Object.fromEntries(Object.entries(parsed.data).map(([key, value]) => [key, String(value)]));
}

/** The API URL of a native system: the one entered, else the system's production API; checked by ADR 0012. */
export function nativeBaseUrl(
  ctx: Ctx,
  system: IntegrationSystem,
  entered: string | undefined,
  path: Array<string | number>,
) {
  const baseUrl = entered ?? DEFAULT_API_URLS[system];
  if (!baseUrl) throw invalidField(path, "Enter the system's API URL");
  const problem = partnerUrlProblem(baseUrl, ctx.partnerUrls);
  if (problem) throw invalidField(path, problem);
  return baseUrl;
}

/** What a new native integration stores: its credentials sealed, its main key (the list's hint), its account. */
export async function sealNativeConnection(
  ctx: Ctx,
  system: IntegrationSystem,
  credentials: Record<string, string>,
  path: Array<string | number> = ["credentials"],
) {
  // A secret the system issued for its webhooks (Glofox) is the integration's webhook secret, not a credential.
  const { webhookSecret, ...valid } = validCredentials(system, credentials, path);
  const [apiKey, sealed, sealedWebhookSecret] = await Promise.all([
    ctx.secrets.seal(valid.apiKey ?? Object.values(valid)[0] ?? "native"),
    ctx.secrets.seal(JSON.stringify(valid)),
    webhookSecret === undefined ? undefined : ctx.secrets.seal(webhookSecret),
  ]);
  return { apiKey, credentials: sealed, accountId: accountIdOf(valid), webhookSecret: sealedWebhookSecret };
}

async function nativeIntegration(ctx: Ctx, input: OrgInput & { integrationId: string }): Promise<IntegrationRow> {
  const row = await findIntegrationOfOrganisation(ctx.db, input.organisationId, input.integrationId);
  if (!row) throw notFound("Integration");
  if (row.apiKey === DISCONNECTED_API_KEY) throw conflict("This integration is disconnected");
  if (row.system === "partner-api") throw conflict("This integration is a partner: it has no system to reach");
  return row;
}

/** The system, where to reach it and the opened credentials of a check's target. */
async function resolveTarget(ctx: Ctx, input: ConnectionTarget) {
  if ("integrationId" in input) {
    const row = await nativeIntegration(ctx, input);
    return {
      system: row.system,
      connector: connectorOf(row.system),
      context: connectionContext(ctx, row.baseUrl, await openSystemCredentials(ctx.secrets, row.credentials)),
    };
  }
  // The URL rule first (ADR 0012): whatever else is wrong, a refused address is named.
  // Paths as the procedures' inputs name them (`target.baseUrl`, `target.credentials.siteId`).
  const baseUrl = nativeBaseUrl(ctx, input.system, input.baseUrl, ["target", "baseUrl"]);
  const connector = connectorOf(input.system, ["target", "system"]);
  const credentials = validCredentials(input.system, input.credentials, ["target", "credentials"]);
  return { system: input.system, connector, context: connectionContext(ctx, baseUrl, credentials) };
}

/** "Test connection": one cheap authenticated call; what failed in plain words (wrong key, wrong site, …). */
export async function testConnection({ ctx, input }: { ctx: Ctx; input: ConnectionTarget }): Promise<ConnectionCheck> {
  const { system, connector, context } = await resolveTarget(ctx, input);
  try {
    await connector.testConnection(context);
    return { ok: true, message: `Connected to ${SYSTEM_LABELS[system]}` };
  } catch (error) {
    return connectionFailure(error, system);
  }
}

/** The system's own locations, for the location map; a failure reads like "Test connection"'s. */
export async function systemLocations({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: ConnectionTarget;
}): Promise<{ ok: true; locations: SystemLocation[] } | (ConnectionCheck & { ok: false })> {
  const { system, connector, context } = await resolveTarget(ctx, input);
  try {
    return { ok: true, locations: await connector.locations(context) };
  } catch (error) {
    return connectionFailure(error, system);
  }
}

/** Where a system delivers an integration's webhooks: the Worker's own origin. */
export function webhookUrlOf(publicUrl: string, integrationId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/webhooks/integrations/${encodeURIComponent(integrationId)}`;
}

/**
 * "Set up webhooks": the system's subscription to this integration's webhook URL, created and activated
 * (Mindbody probes the URL with HEAD first), or its signing secret rotated when `rotate`. The secret it
 * returns is stored sealed; the one it replaces keeps verifying for a day (deliveries already under way).
 */
export async function setUpWebhooks({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: OrgInput & { integrationId: string; publicUrl: string; rotate?: boolean };
}): Promise<ConnectionCheck & { webhookUrl: string }> {
  const row = await nativeIntegration(ctx, input);
  const connector = connectorOf(row.system);
  const webhookUrl = webhookUrlOf(input.publicUrl, row.id);
  if (!connector.subscriptions) {
    const message = connector.webhooks
      ? `${SYSTEM_LABELS[row.system]} has no subscription API: give it ${webhookUrl} and enter the secret it issued in the connection`
      : `${SYSTEM_LABELS[row.system]} has no webhooks to set up: changes are polled`;
    return { ok: false, problem: "source-error", message, webhookUrl };
  }
  const context = connectionContext(ctx, row.baseUrl, await openSystemCredentials(ctx.secrets, row.credentials));
  try {
    const { signingSecret } = input.rotate
      ? await connector.subscriptions.rotate(context, webhookUrl)
      : await connector.subscriptions.ensure(context, webhookUrl);
    await rotateWebhookSecret(
      ctx.db,
      row.id,
      ctx.now() + SUBSCRIPTION_GRACE_HOURS * HOUR,
      await ctx.secrets.seal(signingSecret),
    );
    return {
      ok: true,
      message: `Webhooks set up: ${SYSTEM_LABELS[row.system]} sends changes to ${webhookUrl}`,
      webhookUrl,
    };
  } catch (error) {
    return { ...connectionFailure(error, row.system), webhookUrl };
  }
}
