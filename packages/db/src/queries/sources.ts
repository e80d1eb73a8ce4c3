import { and, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { cctvSource, integration } from "../schema";

export type SourceCredentials = { baseUrl: string; apiKey: string };

/** Where and how to read the listings of a facility's sources (integrations of its organisation, its CCTV). */
export async function loadSourceCredentials(db: DbOrTx, input: { organisationId: string; facilityId: string }) {
  const [integrations, cctv] = await Promise.all([
    db
      .select({ id: integration.id, baseUrl: integration.baseUrl, apiKey: integration.apiKey })
      .from(integration)
      .where(eq(integration.organisationId, input.organisationId)),
    db
      .select({ baseUrl: cctvSource.baseUrl, apiKey: cctvSource.apiKey })
      .from(cctvSource)
      .where(eq(cctvSource.facilityId, input.facilityId))
      .limit(1),
  ]);
  return {
    integrations: new Map<string, SourceCredentials>(integrations.map((row) => [row.id, { baseUrl: row.baseUrl, apiKey: row.apiKey }])),
    cctv: cctv[0] as SourceCredentials | undefined,
  };
}

export async function findIntegrationsByIds(db: DbOrTx, organisationId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .select({ id: integration.id, name: integration.name })
    .from(integration)
    .where(and(eq(integration.organisationId, organisationId), inArray(integration.id, ids)));
}
