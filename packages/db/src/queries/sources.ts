import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../database";
import { cctvSource, integration, type IntegrationSystem } from "../schema";
import type { SecretBox } from "../secrets";

/**
 * A source's opened credentials. Integrations also carry their system; a native system's own credentials
 * (its connector's field names, stored sealed as JSON) are opened too.
 */
export type SourceCredentials = {
  baseUrl: string;
  apiKey: string;
  system?: IntegrationSystem;
  systemCredentials?: Record<string, string>;
};

/** A native system's credentials as stored (sealed JSON of its connector's fields), opened. */
export async function openSystemCredentials(
  secrets: SecretBox,
  sealed: string | null,
): Promise<Record<string, string>> {
  if (sealed === null) return {};
  const parsed = JSON.parse(await secrets.open(sealed)) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
}

/**
 * The reads of `loadSourceCredentials`, for one `db.batch` with other reads: the organisation's
 * integrations and the facility's CCTV source, sealed. Either key may be a subquery (a pass step knows
 * only its pass id). Open them with `openSourceCredentials`.
 */
export function sourceCredentialReads(db: DbOrTx, input: { organisationId: string | SQL; facilityId: string | SQL }) {
  return [
    db
      .select({
        id: integration.id,
        baseUrl: integration.baseUrl,
        apiKey: integration.apiKey,
        system: integration.system,
        credentials: integration.credentials,
      })
      .from(integration)
      .where(eq(integration.organisationId, input.organisationId)),
    db
      .select({ baseUrl: cctvSource.baseUrl, apiKey: cctvSource.apiKey })
      .from(cctvSource)
      .where(eq(cctvSource.facilityId, input.facilityId))
      .limit(1),
  ] as const;
}

/** `sourceCredentialReads` for the facility of a sync pass, known by its id alone (a pass step's opening). */
export function sourceCredentialReadsOfPass(db: DbOrTx, passId: string) {
  const facilityOfPass = sql`(SELECT facility_id FROM sync_pass WHERE id = ${passId})`;
  const organisationOfPass = sql`(SELECT organisation_id FROM facility WHERE id = ${facilityOfPass})`;
  return sourceCredentialReads(db, { organisationId: organisationOfPass, facilityId: facilityOfPass });
}

type SealedSources = [
  Awaited<ReturnType<typeof sourceCredentialReads>[0]>,
  Awaited<ReturnType<typeof sourceCredentialReads>[1]>,
];

/** `sourceCredentialReads`' rows with the API keys opened (they are stored sealed, see secrets.ts). */
export async function openSourceCredentials([integrations, cctv]: SealedSources, secrets: SecretBox) {
  const opened = await Promise.all(
    integrations.map(
      async (row) =>
        [
          row.id,
          {
            baseUrl: row.baseUrl,
            apiKey: await secrets.open(row.apiKey),
            system: row.system,
            systemCredentials: await openSystemCredentials(secrets, row.credentials),
          } satisfies SourceCredentials,
        ] as const,
    ),
  );
  const ownCctv = cctv[0];
  return {
    integrations: new Map<string, SourceCredentials>(opened),
    cctv: ownCctv ? { baseUrl: ownCctv.baseUrl, apiKey: await secrets.open(ownCctv.apiKey) } : undefined,
  };
}

export type OpenedSources = Awaited<ReturnType<typeof openSourceCredentials>>;

/**
 * Where and how to read the listings of a facility's sources (integrations of its organisation, its
 * CCTV), with the API keys opened (they are stored sealed, see secrets.ts).
 */
export async function loadSourceCredentials(
  db: DbOrTx,
  input: { organisationId: string; facilityId: string },
  secrets: SecretBox,
): Promise<OpenedSources> {
  const [integrationsQuery, cctvQuery] = sourceCredentialReads(db, input);
  // A database (not a transaction) sends both in one request: a pass step's subrequests are counted.
  const sealed =
    "batch" in db ? await db.batch([integrationsQuery, cctvQuery]) : await Promise.all([integrationsQuery, cctvQuery]);
  return openSourceCredentials(sealed, secrets);
}

export async function findIntegrationsByIds(db: DbOrTx, organisationId: string, ids: string[]) {
  if (ids.length === 0) return [];
  return db
    .select({ id: integration.id, name: integration.name })
    .from(integration)
    .where(and(eq(integration.organisationId, organisationId), inArray(integration.id, ids)));
}
