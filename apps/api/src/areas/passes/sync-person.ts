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
  parseSourceEvent,
  traceDecision,
  type SyncSource,
  type TraceStep,
} from "@uas/domain";
import type { Ctx } from "../../context";
import { notFound } from "../../errors";
import { getJson } from "../../sources/listing-client";
import { cctvListingUrl, memberListingUrl } from "../../sources/listing-factory";
import { relayInvitationsAfterCommit } from "../invitations/service";

type FacilityRef = { id: string; organisationId: string };

export type SyncPersonInput = {
  facility: FacilityRef;
  source: SyncSource;
  integrationId: string | null;
  externalId: string;
};

/**
 * The source's event for one fetched person: an upsert, or, when the source answered 404, a removal
 * at this facility's own locations (the person is gone from the source, so gone from here).
 */
function eventFor(source: SyncSource, externalId: string, body: unknown, now: number, facilityLocations: string[]) {
  if (body !== null) return { type: source === "integration" ? "member.upserted" : "person.identified", data: body };
  const updatedAt = new Date(now).toISOString();
  return source === "integration"
    ? {
        type: "member.removed",
        data: { external_id: externalId, location_ids: facilityLocations, updated_at: updatedAt },
      }
    : { type: "person.removed", data: { person_id: externalId, updated_at: updatedAt } };
}

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
  const integrationId = source === "integration" ? input.integrationId : null;
  const credentials = await loadSourceCredentials(
    ctx.db,
    { organisationId: facility.organisationId, facilityId: facility.id },
    ctx.secrets,
  );
  const target = integrationId
    ? credentials.integrations.get(integrationId)
    : source === "cctv"
      ? credentials.cctv
      : undefined;
  if (!target) throw notFound(source === "cctv" ? "CCTV/Computer Vision source" : "Integration");

  const base =
    source === "integration" ? memberListingUrl(target.baseUrl) : cctvListingUrl(target.baseUrl, facility.id);
  const tuning = ctx.tuning.listing;
  let body: unknown;
  try {
    const answer = await getJson(`${base}/${encodeURIComponent(externalId)}`, {
      ...tuning,
      url: base,
      apiKey: target.apiKey,
      policy: ctx.partnerUrls,
    });
    body = answer.status === 404 ? null : answer.body;
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
  const event = eventFor(source, externalId, body, now, facilityLocations);
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
    ...(source === "integration" ? { source, integrationId: integrationId! } : { source, facilityId: facility.id }),
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
