import {
  DISCONNECTED_API_KEY,
  countSyncedMembers,
  deleteIntegration,
  disconnectIntegration,
  findIntegrationOfOrganisation,
  hasSyncedMembers,
  insertIntegration,
  listLocationMaps,
  listOrganisationFacilities,
  listOrganisationIntegrations,
  listOwnedOrganisations,
  rotateWebhookSecret,
  updateIntegration,
  type IntegrationPatch,
  type LocationMapEntry,
} from "@uas/db";
import { partnerUrlPolicyOf, type AdminCtx, type Ctx } from "../context";
import { conflict, invalidField, notFound } from "../errors";
import { partnerUrlProblem } from "../sources/partner-url";

type OrgInput = { organisationId: string };

export const DEFAULT_GRACE_HOURS = 24;
const HOUR = 3_600_000;
/** A connected integration that has sent nothing for a day is worth a look. */
const QUIET_AFTER = 24 * HOUR;

export type IntegrationHealth = "waiting" | "receiving" | "quiet" | "disconnected";

export async function listMyOrganisations({ ctx }: { ctx: AdminCtx }) {
  return listOwnedOrganisations(ctx.db, ctx.actor.userId);
}

export async function organisationFacilities({ ctx, input }: { ctx: Ctx; input: OrgInput }) {
  return listOrganisationFacilities(ctx.db, input.organisationId);
}

function apiKeyHint(apiKey: string): string {
  return apiKey.length > 8 ? `…${apiKey.slice(-4)}` : "…";
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
  const integrations = rows.map((row) => {
    const connected = row.apiKey !== DISCONNECTED_API_KEY;
    const health: IntegrationHealth = !connected
      ? "disconnected"
      : row.lastWebhookAt === null
        ? "waiting"
        : now - row.lastWebhookAt > QUIET_AFTER
          ? "quiet"
          : "receiving";
    const previousValid = row.previousWebhookSecret !== null && (row.previousSecretValidUntil ?? 0) > now;
    return {
      id: row.id,
      name: row.name,
      baseUrl: row.baseUrl,
      connected,
      apiKeyHint: connected ? apiKeyHint(row.apiKey) : null,
      // Owners see the secret to paste it into the partner's webhook settings; it is gone once disconnected.
      webhookSecret: connected ? row.webhookSecret : null,
      previousSecretValidUntil: connected && previousValid ? row.previousSecretValidUntil : null,
      lastWebhookAt: row.lastWebhookAt,
      health,
      createdAt: row.createdAt,
      syncedMembers: members.get(row.id) ?? 0,
      locations: maps
        .filter((entry) => entry.integrationId === row.id)
        .map(({ locationId, facilityId, facilityName }) => ({ locationId, facilityId, facilityName })),
    };
  });
  return { organisationId: input.organisationId, facilities, integrations };
}

/** Every facility id of a location map must belong to the organisation (checked again here, whoever calls). */
async function assertOwnFacilities(ctx: Ctx, organisationId: string, locations: LocationMapEntry[]) {
  const facilities = new Set((await listOrganisationFacilities(ctx.db, organisationId)).map((f) => f.id));
  if (locations.some((entry) => !facilities.has(entry.facilityId))) throw notFound("Facility");
}

export type ConnectInput = OrgInput & { name: string; baseUrl: string; apiKey: string; locations: LocationMapEntry[] };

/** The Base URL field's rule (ADR 0010): checked here, where the environment's policy is known. */
function assertPartnerUrl(ctx: Ctx, baseUrl: string, path: Array<string | number>) {
  const problem = partnerUrlProblem(baseUrl, partnerUrlPolicyOf(ctx));
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
  assertPartnerUrl(ctx, input.baseUrl, ["baseUrl"]);
  const row = await ctx.db.transaction((tx) =>
    insertIntegration(
      tx,
      {
        organisationId: input.organisationId,
        name: input.name,
        baseUrl: input.baseUrl,
        apiKey: input.apiKey,
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
  input: OrgInput & { integrationId: string; patch: IntegrationPatch; locations?: LocationMapEntry[] | undefined };
}) {
  const row = await connectedIntegration(ctx, input);
  const { baseUrl, apiKey } = input.patch;
  if (baseUrl !== undefined && !sameTarget(baseUrl, row.baseUrl)) {
    assertPartnerUrl(ctx, baseUrl, ["patch", "baseUrl"]);
    // The stored key was given for the old address: it is never sent to a new one unless entered again.
    if (apiKey === undefined) throw invalidField(["patch", "apiKey"], "The base URL changed: enter the API key again");
  }
  if (input.locations) await assertOwnFacilities(ctx, input.organisationId, input.locations);
  await updateIntegration(ctx.db, row.id, input.patch, input.locations);
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
  const graceHours = input.graceHours ?? DEFAULT_GRACE_HOURS;
  await rotateWebhookSecret(ctx.db, row.id, ctx.now() + graceHours * HOUR);
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
  if (kept) await disconnectIntegration(ctx.db, input.organisationId, row.id);
  else await deleteIntegration(ctx.db, row.id);
  return { removed: !kept, ...(await listIntegrations({ ctx, input })) };
}
