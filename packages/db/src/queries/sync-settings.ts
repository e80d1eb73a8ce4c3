import { and, desc, eq, max } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { syncSettings, syncPass, facilityIntegration, integration, cctvSource } from "../schema";
import { isIntegrationScoped, type SyncSource } from "@uas/domain";

export type SyncSettingsRow = typeof syncSettings.$inferSelect;
export type SyncSettingsPatch = Partial<Omit<SyncSettingsRow, "facilityId" | "updatedAt">>;

export async function getSyncSettings(db: DbOrTx, facilityId: string): Promise<SyncSettingsRow | undefined> {
  const [row] = await db.select().from(syncSettings).where(eq(syncSettings.facilityId, facilityId)).limit(1);
  return row;
}

export async function updateSyncSettings(db: DbOrTx, facilityId: string, patch: SyncSettingsPatch, now: number) {
  const [row] = await db
    .update(syncSettings)
    .set({ ...patch, updatedAt: now })
    .where(eq(syncSettings.facilityId, facilityId))
    .returning();
  return row;
}

export async function getLastPass(db: DbOrTx, facilityId: string, source: SyncSource) {
  const [row] = await db
    .select()
    .from(syncPass)
    .where(and(eq(syncPass.facilityId, facilityId), eq(syncPass.source, source)))
    .orderBy(desc(syncPass.startedAt))
    .limit(1);
  return row;
}

/** "Sync from these integrations": every integration of the organisation, with this facility's choice. */
export async function listFacilityIntegrations(db: DbOrTx, facilityId: string, organisationId: string) {
  return db
    .select({
      integrationId: integration.id,
      name: integration.name,
      enabled: facilityIntegration.enabled,
    })
    .from(integration)
    .leftJoin(
      facilityIntegration,
      and(eq(facilityIntegration.integrationId, integration.id), eq(facilityIntegration.facilityId, facilityId)),
    )
    .where(eq(integration.organisationId, organisationId))
    .orderBy(integration.name);
}

export async function setFacilityIntegration(
  db: DbOrTx,
  input: { facilityId: string; integrationId: string; enabled: boolean },
) {
  await db
    .insert(facilityIntegration)
    .values(input)
    .onConflictDoUpdate({
      target: [facilityIntegration.facilityId, facilityIntegration.integrationId],
      set: { enabled: input.enabled },
    });
}

/** The health line of each source block: last webhook received, last complete pass, last nightly pass. */
export async function getSourceHealth(db: DbOrTx, facilityId: string, source: SyncSource) {
  const latest = (state?: "complete", trigger?: "nightly") =>
    db
      .select()
      .from(syncPass)
      .where(
        and(
          eq(syncPass.facilityId, facilityId),
          eq(syncPass.source, source),
          state ? eq(syncPass.state, state) : undefined,
          trigger ? eq(syncPass.trigger, trigger) : undefined,
        ),
      )
      .orderBy(desc(syncPass.startedAt))
      .limit(1);
  const lastWebhook = !isIntegrationScoped(source)
    ? db.select({ at: cctvSource.lastWebhookAt }).from(cctvSource).where(eq(cctvSource.facilityId, facilityId))
    : db
        .select({ at: max(integration.lastWebhookAt) })
        .from(facilityIntegration)
        .innerJoin(integration, eq(integration.id, facilityIntegration.integrationId))
        // Opted-out integrations too: their webhooks still arrive (and are skipped), and saying
        // "never" would read as a broken connection.
        .where(eq(facilityIntegration.facilityId, facilityId));
  const [[complete], [nightly], [webhook]] = await Promise.all([
    latest("complete"),
    latest("complete", "nightly"),
    lastWebhook,
  ]);
  return {
    lastWebhookAt: webhook?.at ?? null,
    lastCompletePassAt: complete?.endedAt ?? null,
    // What the last nightly pass had to change is what continuous sync missed: the missed-webhook meter.
    lastNightlyRepairs: nightly ? nightly.added + nightly.updated + nightly.disabled : null,
  };
}
