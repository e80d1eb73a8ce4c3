import {
  applySourceEvent,
  drizzleHandle,
  loadFacilityContext,
  loadLocationMap,
  loadPersonRows,
  planSettingsFor,
} from "@uas/engine";
import { loadSourceCredentials } from "@uas/db";
import {
  OUTCOME_LABELS,
  SKIP_REASONS,
  SOURCE_KINDS,
  fetchedPersonEvent,
  isIntegrationScoped,
  sourceTarget,
  targetIntegrationId,
  parseSourceEvent,
  traceDecision,
  type SyncSource,
  type TraceStep,
} from "@uas/domain";
import type { Ctx } from "../../context";
import { notFound } from "../../errors";
import { sourceConnection } from "../../sources/connections";
import { relayInvitationsAfterCommit } from "../invitations/service";

type FacilityRef = { id: string; organisationId: string };

export type SyncPersonInput = {
  facility: FacilityRef;
  source: SyncSource;
  integrationId: string | null;
  externalId: string;
};

/**
 * "Sync this person now": fetches one person from the source, applies them at once, and explains
 * each step (fetch → facility → settings → identifier → match → action).
 */
export async function syncPersonNow({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: SyncPersonInput;
}): Promise<{ steps: TraceStep[] }> {
  const { facility, source, externalId } = input;
  const kind = SOURCE_KINDS[source];
  const target = sourceTarget(source, isIntegrationScoped(source) ? (input.integrationId ?? "") : facility.id);
  const integrationId = targetIntegrationId(target);
  const sources = await loadSourceCredentials(
    ctx.db,
    { organisationId: facility.organisationId, facilityId: facility.id },
    ctx.secrets,
  );
  const configured = integrationId === null ? sources.cctv : sources.integrations.get(integrationId);
  if (!configured) throw notFound(kind.notFoundName);
  const connection = sourceConnection(target, sources, {
    ...ctx.tuning.listing,
    policy: ctx.partnerUrls,
  });
  let body: unknown;
  try {
    body = await connection.connector.fetchOne(connection.context, externalId);
  } catch (error) {
    return {
      steps: [
        {
          step: "fetch",
          status: "stop",
          detail: `Could not reach the source: ${error instanceof Error ? error.message : String(error)}`,
        },
      ],
    };
  }

  const now = ctx.now();
  const locationMap = integrationId ? await loadLocationMap(ctx.db, integrationId) : null;
  const facilityLocations = [...(locationMap ?? [])]
    .filter(([, id]) => id === facility.id)
    .map(([location]) => location);
  const event = fetchedPersonEvent({ source, externalId, record: body, now, locationIds: facilityLocations });
  const parsed = parseSourceEvent(source, event);
  if (!parsed.ok) {
    const issues = parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ");
    return { steps: [{ step: "fetch", status: "stop", detail: `The source's record is not valid (${issues})` }] };
  }

  const context = await loadFacilityContext(ctx.db, facility.id);
  if (!context) throw notFound("Facility");
  const rows = await loadPersonRows(drizzleHandle(ctx.db), {
    facilityIds: [facility.id],
    source,
    integrationId,
    externalId,
  });
  const steps = traceDecision({
    source,
    change: body === null ? null : parsed.change,
    facilityId: facility.id,
    countryCode: context.facility.countryCode,
    settings: planSettingsFor(context, source, integrationId),
    locationMap,
    existingRow: rows.get(facility.id) ?? null,
  });

  const applied = await applySourceEvent({
    db: ctx.db,
    ...target,
    event,
    webhookId: null,
    now,
    onlyFacilityId: facility.id,
  });
  if (applied.status === "applied") await relayInvitationsAfterCommit(ctx);
  // "No facility on the source record" entries belong to no facility: they are this facility's answer too.
  const entry =
    applied.status === "applied"
      ? (applied.entries.find((e) => e.facilityId === facility.id) ??
        applied.entries.find((e) => e.facilityId === null))
      : undefined;
  steps.push(
    entry
      ? {
          step: "action",
          status: entry.outcome === "skipped" ? "stop" : "ok",
          detail: entry.reason ? `${OUTCOME_LABELS[entry.outcome]}: ${entry.reason}` : OUTCOME_LABELS[entry.outcome],
        }
      : { step: "action", status: "skip", detail: `Skipped: ${SKIP_REASONS.noMatchingRow}` },
  );
  return { steps };
}
