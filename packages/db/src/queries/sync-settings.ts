import { and, desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { syncSettings, syncPass, facilityIntegration, integration } from "../schema";
import type { SyncSource } from "@uas/domain";

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
