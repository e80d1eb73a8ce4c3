import {
  getSyncSettings,
  updateSyncSettings as writeSyncSettings,
  getLastPass,
  getSourceHealth,
  listFacilityIntegrations,
  setFacilityIntegration,
  type SyncSettingsPatch,
} from "@uas/db";
import { countAutoSendCandidates, drizzleHandle } from "@uas/engine";
import { SOURCE_LABELS, SYNC_SOURCES, isSourceOn } from "@uas/domain";
import type { Ctx } from "../../context";
import { notFound } from "../../errors";
import { findFacility } from "../../facilities";
import { pollFreshnessOf } from "../polling/freshness";

type FacilityRef = { id: string; organisationId: string };

/** Settings → Sync settings for one facility: the two source blocks and the integration opt-ins. */
export async function getSyncSettingsView({ ctx, input }: { ctx: Ctx; input: { facility: FacilityRef } }) {
  const { facility } = input;
  const [settings, facilityRow, integrations, lastPasses, health] = await Promise.all([
    getSyncSettings(ctx.db, facility.id),
    findFacility(ctx.db, facility.id),
    listFacilityIntegrations(ctx.db, facility.id, facility.organisationId),
    Promise.all(SYNC_SOURCES.map((source) => getLastPass(ctx.db, facility.id, source))),
    Promise.all(SYNC_SOURCES.map((source) => getSourceHealth(ctx.db, facility.id, source))),
  ]);
  if (!settings || !facilityRow) throw notFound("Sync settings");
  // A polled integration (ABC Ignite) says how fresh its data is: "checked 3 minutes ago" (ADR 0018).
  const polls = await pollFreshnessOf(
    ctx,
    integrations.map((row) => row.integrationId),
  );
  return {
    facilityId: facility.id,
    requireIdentifier: settings.requireIdentifier,
    autoSendInvitations: settings.autoSendInvitations,
    massDisablePercent: settings.massDisablePercent,
    massDisableMinimum: settings.massDisableMinimum,
    /** When the nightly reconciliation starts, in the facility's own time (scheduled.ts). */
    nightly: { hour: facilityRow.nightlyHour, timeZone: facilityRow.timeZone },
    sources: SYNC_SOURCES.map((source, i) => {
      const pass = lastPasses[i];
      return {
        source,
        label: SOURCE_LABELS[source],
        enabled: isSourceOn(settings, source),
        health: health[i]!,
        lastRun: pass
          ? {
              passId: pass.id,
              state: pass.state,
              heldCount: pass.heldCount,
              heldSample: (pass.heldSample ?? []) as Array<{ externalId: string; name: string }>,
              pagesDone: pass.pagesDone,
              recordsDone: pass.recordsDone,
              trigger: pass.trigger,
              startedAt: pass.startedAt,
              endedAt: pass.endedAt,
              reason: pass.reason,
              counts: {
                added: pass.added,
                updated: pass.updated,
                skipped: pass.skipped,
                disabled: pass.disabled,
                processed: pass.processed,
              },
            }
          : null,
      };
    }),
    integrations: integrations.map((row) => ({
      integrationId: row.integrationId,
      name: row.name,
      // A facility mirrors an integration it was mapped to (or turned on here); others start off.
      enabled: row.enabled ?? false,
      polls: polls
        .filter((poll) => poll.integrationId === row.integrationId)
        .map(({ locationId, checkedAt, freshness, lastError, watermarkAt, clubTimeZone }) => ({
          locationId,
          checkedAt,
          freshness,
          lastError,
          watermarkAt,
          clubTimeZone,
        })),
    })),
  };
}

export async function updateSyncSettings({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; patch: SyncSettingsPatch };
}) {
  const row = await writeSyncSettings(ctx.db, input.facility.id, input.patch, ctx.now());
  if (!row) throw notFound("Sync settings");
  return getSyncSettingsView({ ctx, input: { facility: input.facility } });
}

export async function setIntegrationOptIn({
  ctx,
  input,
}: {
  ctx: Ctx;
  input: { facility: FacilityRef; integrationId: string; enabled: boolean };
}) {
  const integrations = await listFacilityIntegrations(ctx.db, input.facility.id, input.facility.organisationId);
  if (!integrations.some((row) => row.integrationId === input.integrationId)) throw notFound("Integration");
  await setFacilityIntegration(ctx.db, {
    facilityId: input.facility.id,
    integrationId: input.integrationId,
    enabled: input.enabled,
  });
  return getSyncSettingsView({ ctx, input: { facility: input.facility } });
}

/** Before Auto-send is turned on: how many people the next pass would email (the outbox's own rule). */
export async function previewAutoSend({ ctx, input }: { ctx: Ctx; input: { facility: FacilityRef } }) {
  const people = await countAutoSendCandidates(drizzleHandle(ctx.db), input.facility.id, ctx.now());
  return { people };
}
