import {
  DISCONNECTED_API_KEY,
  countSyncedMembers,
  deleteIntegration,
  disconnectIntegration,
  findIntegrationOfOrganisation,
  hasSyncedMembers,
  insertIntegration,
  registerIntegration,
  listLocationMaps,
  listOrganisationFacilities,
  listOrganisationIntegrations,
  listOwnedOrganisations,
  newId,
  newWebhookSecret,
  recordAudit,
  rotateWebhookSecret,
  updateIntegration,
  type IntegrationPatch,
  type LocationMapEntry,
} from "@uas/db";
import type { AdminCtx, Ctx } from "../../context";
import { conflict, invalidField, notFound } from "../../errors";
import { partnerUrlProblem } from "../../sources/partner-url";
import { SYSTEM_LABELS, isNative, nativeConnector } from "../../sources/native";
import { nativeBaseUrl, sealNativeConnection, setUpWebhooks } from "./native";
import type { IntegrationSystem } from "@uas/db";

type OrgInput = { organisationId: string };

export const DEFAULT_GRACE_HOURS = 24;
const HOUR = 3_600_000;
/** A connected integration that has sent nothing for a day is worth a look. */
const QUIET_AFTER = 24 * HOUR;

/** `polled`: a system without webhooks (ABC Ignite), whose changes are asked for every few minutes (ADR 0018). */
export type IntegrationHealth = "waiting" | "receiving" | "quiet" | "polled" | "disconnected";

export async function listMyOrganisations({ ctx }: { ctx: AdminCtx }) {
  return listOwnedOrganisations(ctx.catalog, ctx.actor.userId);
}

export async function organisationFacilities({ ctx, input }: { ctx: Ctx; input: OrgInput }) {
  return listOrganisationFacilities(ctx.db, input.organisationId);
}

function apiKeyHint(apiKey: string): string {
  return apiKey.length > 8 ? `…${apiKey.slice(-4)}` : "…";
}

/** What the list shows of a webhook secret: enough to tell two apart, never enough to sign. */
export function webhookSecretHint(secret: string): string {
  return `whsec_…${secret.slice(-4)}`;
}

/** The Integrations page: every integration of the organisation with its health and location map. */
export async function listIntegrations({ ctx, input }: { ctx: Ctx; input: OrgInput }) {
  const now = ctx.now();
  const [rows, facilities, members] = await Promise.all([
    listOrganisationIntegrations(ctx.db, input.organisationId),
    listOrganisationFacilities(ctx.db, input.organisationId),
    countSyncedMembers(ctx.db, input.organisationId),
  ]);
  const maps = await listLocationMaps(
    ctx.db,
    rows.map((row) => row.id),
  );
  const integrations = await Promise.all(
    rows.map(async (row) => {
      const connected = row.apiKey !== DISCONNECTED_API_KEY;
      const health: IntegrationHealth = !connected
        ? "disconnected"
        : nativeConnector(row.system) && !nativeConnector(row.system)?.webhooks
          ? "polled"
          : row.lastWebhookAt === null
            ? "waiting"
            : now - row.lastWebhookAt > QUIET_AFTER
              ? "quiet"
              : "receiving";
      const previousValid = row.previousWebhookSecret !== null && (row.previousSecretValidUntil ?? 0) > now;
      return {
        id: row.id,
        name: row.name,
        system: row.system,
        systemLabel: SYSTEM_LABELS[row.system],
        accountId: row.accountId,
        /** The product sets up the system's webhook subscription itself (Mindbody, PushPress). */
        managesWebhooks: nativeConnector(row.system)?.subscriptions !== undefined,
        baseUrl: row.baseUrl,
        connected,
        apiKeyHint: connected ? apiKeyHint(await ctx.secrets.open(row.apiKey)) : null,
        // Masked: the secret itself is shown only on "Show secret" (revealWebhookSecret, audited).
        webhookSecretHint: connected ? webhookSecretHint(await ctx.secrets.open(row.webhookSecret)) : null,
        previousSecretValidUntil: connected && previousValid ? row.previousSecretValidUntil : null,
        lastWebhookAt: row.lastWebhookAt,
        health,
        createdAt: row.createdAt,
        syncedMembers: members.get(row.id) ?? 0,
        locations: maps
          .filter((entry) => entry.integrationId === row.id)
          .map(({ locationId, facilityId, facilityName }) => ({ locationId, facilityId, facilityName })),
      };
    }),
  );
  return { organisationId: input.organisationId, facilities, integrations };
}

/** Every facility id of a location map must belong to the organisation (checked again here, whoever calls). */
async function assertOwnFacilities(ctx: Ctx, organisationId: string, locations: LocationMapEntry[]) {
  const facilities = new Set((await listOrganisationFacilities(ctx.db, organisationId)).map((f) => f.id));
  if (locations.some((entry) => !facilities.has(entry.facilityId))) throw notFound("Facility");
}

export type ConnectInput = OrgInput & {
  name: string;
  /** Default `partner-api`: `baseUrl` and `apiKey` then; a native system takes its `credentials`. */
  system?: IntegrationSystem | undefined;
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  credentials?: Record<string, string> | undefined;
  locations: LocationMapEntry[];
};

/** The Base URL field's rule (ADR 0012): checked here, where the environment's policy is known. */
function assertPartnerUrl(ctx: Ctx, baseUrl: string, path: Array<string | number>) {
  const problem = partnerUrlProblem(baseUrl, ctx.partnerUrls);
  if (problem) throw invalidField(path, problem);
}

/** The same partner endpoint: trailing slashes and the URL's spelling (host case, default port) aside. */
function sameTarget(a: string, b: string): boolean {
  const canonical = (url: string) => {
    try {
      return new URL(url).href.replace(/\/+$/, "");
    } catch {
      return url;
    }
  };
  return canonical(a) === canonical(b);
}

export async function connectIntegration({ ctx, input }: { ctx: Ctx; input: ConnectInput }) {
  await assertOwnFacilities(ctx, input.organisationId, input.locations);
  const system = input.system ?? "partner-api";
  let connection: { baseUrl: string; apiKey: string; credentials: string | null; accountId: string | null };
  let issuedSecret: string | undefined;
  if (isNative(system)) {
    const baseUrl = nativeBaseUrl(ctx, system, input.baseUrl, ["baseUrl"]);
    const { webhookSecret, ...sealed } = await sealNativeConnection(ctx, system, input.credentials ?? {});
    connection = { baseUrl, ...sealed };
    issuedSecret = webhookSecret;
  } else {
    if (input.baseUrl === undefined) throw invalidField(["baseUrl"], "Enter the partner's URL, starting with https://");
    if (input.apiKey === undefined) throw invalidField(["apiKey"], "Enter the API key");
    assertPartnerUrl(ctx, input.baseUrl, ["baseUrl"]);
    connection = {
      baseUrl: input.baseUrl,
      apiKey: await ctx.secrets.seal(input.apiKey),
      credentials: null,
      accountId: null,
    };
  }
  // A native system signs with its own secret: the one it issued (Glofox), else the one its subscription
  // returns once set up (Mindbody, PushPress); until then nobody knows this one.
  const webhookSecret = issuedSecret ?? (await ctx.secrets.seal(newWebhookSecret()));
  // The catalog routes its webhooks first (ADR 0021): a directory entry whose integration was never written
  // answers 404 like any unknown one, while an integration without its entry would receive nothing.
  const integrationId = newId("int");
  await registerIntegration(ctx.catalog, { integrationId, organisationId: input.organisationId, system });
  const row = await ctx.db.transaction((tx) =>
    insertIntegration(
      tx,
      {
        id: integrationId,
        organisationId: input.organisationId,
        name: input.name,
        system,
        ...connection,
        webhookSecret,
        locations: Object.fromEntries(input.locations.map((entry) => [entry.locationId, entry.facilityId])),
      },
      ctx.now(),
    ),
  );
  return { integrationId: row.id, ...(await listIntegrations({ ctx, input })) };
}

async function connectedIntegration(ctx: Ctx, input: OrgInput & { integrationId: string }) {
  const row = await findIntegrationOfOrganisation(ctx.db, input.organisationId, input.integrationId);
  if (!row) throw notFound("Integration");
  if (row.apiKey === DISCONNECTED_API_KEY) throw conflict("This integration is disconnected");
  return row;
}

export async function updateIntegrationSettings({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: OrgInput & {
    integrationId: string;
    patch: Pick<IntegrationPatch, "name" | "baseUrl" | "apiKey"> & { credentials?: Record<string, string> | undefined };
    locations?: LocationMapEntry[] | undefined;
  };
}) {
  const row = await connectedIntegration(ctx, input);
  if (isNative(row.system)) return updateNativeSettings(ctx, row, input);
  const { baseUrl, apiKey } = input.patch;
  if (baseUrl !== undefined && !sameTarget(baseUrl, row.baseUrl)) {
    assertPartnerUrl(ctx, baseUrl, ["patch", "baseUrl"]);
    // The stored key was given for the old address: it is never sent to a new one unless entered again.
    if (apiKey === undefined) throw invalidField(["patch", "apiKey"], "The base URL changed: enter the API key again");
  }
  if (input.patch.credentials !== undefined)
    throw invalidField(["patch", "credentials"], "A partner has an API key, not system credentials");
  if (input.locations) await assertOwnFacilities(ctx, input.organisationId, input.locations);
  const { credentials: _none, ...partnerPatch } = input.patch;
  const patch =
    partnerPatch.apiKey === undefined
      ? partnerPatch
      : { ...partnerPatch, apiKey: await ctx.secrets.seal(partnerPatch.apiKey) };
  await updateIntegration(ctx.db, row.id, patch, input.locations);
  return listIntegrations({ ctx, input });
}

/** A native system's settings: name, API URL (credentials entered again with it), credentials, location map. */
async function updateNativeSettings(
  ctx: Ctx,
  row: { id: string; system: IntegrationSystem; baseUrl: string },
  input: OrgInput & {
    patch: {
      name?: string | undefined;
      baseUrl?: string | undefined;
      apiKey?: string | undefined;
      credentials?: Record<string, string> | undefined;
    };
    locations?: LocationMapEntry[] | undefined;
  },
) {
  const { name, baseUrl, apiKey, credentials } = input.patch;
  if (apiKey !== undefined) throw invalidField(["patch", "apiKey"], "Enter the system's credentials instead");
  const patch: IntegrationPatch = name === undefined ? {} : { name };
  if (baseUrl !== undefined && !sameTarget(baseUrl, row.baseUrl)) {
    patch.baseUrl = nativeBaseUrl(ctx, row.system, baseUrl, ["patch", "baseUrl"]);
    if (credentials === undefined)
      throw invalidField(["patch", "credentials"], "The API URL changed: enter the credentials again");
  }
  let issuedSecret: string | undefined;
  if (credentials !== undefined) {
    const { webhookSecret, ...sealed } = await sealNativeConnection(ctx, row.system, credentials, [
      "patch",
      "credentials",
    ]);
    Object.assign(patch, sealed);
    issuedSecret = webhookSecret;
  }
  if (input.locations) await assertOwnFacilities(ctx, input.organisationId, input.locations);
  await updateIntegration(ctx.db, row.id, patch, input.locations);
  // A new issued secret (Glofox): deliveries already signed with the old one keep verifying for the grace.
  if (issuedSecret !== undefined)
    await rotateWebhookSecret(ctx.db, row.id, ctx.now() + DEFAULT_GRACE_HOURS * HOUR, issuedSecret);
  return listIntegrations({ ctx, input });
}

/** New secret now; the previous one keeps verifying webhooks for the grace period (default 24 h). */
export async function rotateSecret({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: OrgInput & { integrationId: string; graceHours?: number | undefined };
}) {
  const row = await connectedIntegration(ctx, input);
  // A native system's key is the system's: rotated there (its subscription), then stored.
  if (nativeConnector(row.system)?.subscriptions && ctx.publicUrl) {
    const result = await setUpWebhooks({ ctx, input: { ...input, publicUrl: ctx.publicUrl, rotate: true } });
    if (!result.ok) throw conflict(result.message);
    return listIntegrations({ ctx, input });
  }
  const graceHours = input.graceHours ?? DEFAULT_GRACE_HOURS;
  await rotateWebhookSecret(ctx.db, row.id, ctx.now() + graceHours * HOUR, await ctx.secrets.seal(newWebhookSecret()));
  return listIntegrations({ ctx, input });
}

/**
 * Disconnect. "Members already synced stay until you remove them": if the integration synced anyone it
 * is kept, disconnected (no location map, every facility opted out, no API key, an unknown webhook
 * secret), so its members keep their badge and can be bulk-deleted by integration later. One that
 * never synced anyone is removed outright.
 */
export async function disconnect({ ctx, input }: { ctx: Ctx; input: OrgInput & { integrationId: string } }) {
  const row = await findIntegrationOfOrganisation(ctx.db, input.organisationId, input.integrationId);
  if (!row) throw notFound("Integration");
  const kept = await hasSyncedMembers(ctx.db, input.organisationId, row.id);
  if (kept)
    await disconnectIntegration(ctx.db, input.organisationId, row.id, await ctx.secrets.seal(newWebhookSecret()));
  else await deleteIntegration(ctx.db, row.id);
  return { removed: !kept, ...(await listIntegrations({ ctx, input })) };
}

/**
 * "Show secret": the integration's current webhook secret, to paste into the partner's settings. Each
 * reveal is audited (who, which integration, when) before the secret is returned.
 */
export async function revealWebhookSecret({
  ctx,
  input,
}: {
  ctx: AdminCtx;
  input: OrgInput & { integrationId: string };
}) {
  const row = await connectedIntegration(ctx, input);
  const webhookSecret = await ctx.secrets.open(row.webhookSecret);
  await recordAudit(ctx.db, {
    organisationId: input.organisationId,
    actorUserId: ctx.actor.userId,
    action: "integration.webhook_secret_revealed",
    detail: { integrationId: row.id, integrationName: row.name },
    at: ctx.now(),
  });
  return { webhookSecret };
}
