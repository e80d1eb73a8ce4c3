import { writeFileSync } from "node:fs";
import { createNodeDb } from "@uas/db/node";
import {
  facility,
  integration,
  integrationLocation,
  cctvSource,
  organisation,
  type IntegrationSystem,
  type SecretBox,
} from "@uas/db";
import { DEMO } from "./seed";

/** What a local client needs to talk to the stack; outside tools read these exact names. */
export type DevJson = {
  apiUrl: string;
  webUrl: string;
  admin: { email: string; password: string };
  organisationId: string;
  facilities: Array<{ id: string; name: string; timeZone: string }>;
  /**
   * `system` is "partner-api", "mindbody", "pushpress", "glofox" or "abc-ignite"; `webhookSecret` is what
   * signs the integration's webhooks (a partner's whsec_ secret, Mindbody's messageSignatureKey, PushPress's
   * signing secret, the secret Glofox issued; ABC Ignite sends none, it is polled); `siteId` (Mindbody) /
   * `companyId` (PushPress) / `branchId` (Glofox) / `clubNumber` (ABC Ignite) the account; `locationMap`
   * system location id → facility id.
   */
  integrations: DevJsonIntegration[];
  cctv: Array<{ facilityId: string; webhookSecret: string; baseUrl: string }>;
  /** The local email capture (Resend's API): `GET {url}/emails`, `POST {url}/control/fail-sends`, bearer `apiKey`. */
  mailbox?: { url: string; apiKey: string };
  /** The member-system simulators: `{url}/control/...` with `Authorization: Bearer {controlKey}`. */
  simulators?: Record<"mindbody" | "pushpress" | "glofox" | "abc-ignite", { url: string; controlKey: string }>;
  /** The demo organisation's database on the local libSQL endpoint: `createClient({ url, authToken })`. */
  database: { url: string; authToken: string };
  /** The catalog (admins, grants, facilities, the directory of organisations' databases; ADR 0021). */
  catalog: { url: string; authToken: string };
  /** The organisations' databases by organisation id (the demo has two). */
  organisations: Array<{ id: string; name: string; databaseUrl: string }>;
};

export type DevJsonIntegration = {
  id: string;
  name: string;
  system: IntegrationSystem;
  webhookSecret: string;
  baseUrl: string;
  siteId?: string;
  companyId?: string;
  branchId?: string;
  clubNumber?: string;
  locationMap: Record<string, string>;
};

/** The account id under the name the system gives it. */
const ACCOUNT_FIELDS: Partial<Record<IntegrationSystem, "siteId" | "companyId" | "branchId" | "clubNumber">> = {
  mindbody: "siteId",
  pushpress: "companyId",
  glofox: "branchId",
  "abc-ignite": "clubNumber",
};

function accountOf(system: IntegrationSystem, accountId: string | null): Partial<DevJsonIntegration> {
  const field = ACCOUNT_FIELDS[system];
  return accountId === null || field === undefined ? {} : { [field]: accountId };
}

async function organisationsOf(catalogDbUrl: string, endpoint: string): Promise<DevJson["organisations"]> {
  const catalog = createNodeDb({ url: catalogDbUrl });
  try {
    const rows = await catalog
      .select({ id: organisation.id, name: organisation.name, databaseName: organisation.databaseName })
      .from(organisation)
      .orderBy(organisation.name);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      databaseUrl: row.databaseName ? `${endpoint}/db/${row.databaseName}/` : endpoint,
    }));
  } finally {
    catalog.$client.close();
  }
}

export async function writeDevJson(input: {
  file: string;
  dbUrl: string;
  database: { url: string; authToken: string };
  catalog: { url: string; authToken: string };
  /** The catalog's file, read here for its organisations. */
  catalogDbUrl: string;
  /** Opens the sealed webhook secrets: outside test suites sign with the plain ones. */
  secrets: SecretBox;
  apiUrl: string;
  webUrl: string;
  admin: { email: string; password: string };
  mailbox?: { url: string; apiKey: string };
  simulators?: DevJson["simulators"];
}): Promise<DevJson> {
  const db = createNodeDb({ url: input.dbUrl });
  try {
    const [facilities, integrations, cctv, locations] = await Promise.all([
      db
        .select({ id: facility.id, name: facility.name, timeZone: facility.timeZone })
        .from(facility)
        .orderBy(facility.name),
      db
        .select({
          id: integration.id,
          name: integration.name,
          system: integration.system,
          webhookSecret: integration.webhookSecret,
          baseUrl: integration.baseUrl,
          accountId: integration.accountId,
        })
        .from(integration)
        .orderBy(integration.name),
      db
        .select({
          facilityId: cctvSource.facilityId,
          webhookSecret: cctvSource.webhookSecret,
          baseUrl: cctvSource.baseUrl,
        })
        .from(cctvSource),
      db.select().from(integrationLocation).orderBy(integrationLocation.locationId),
    ]);
    const open = <T extends { webhookSecret: string }>(row: T) =>
      input.secrets.open(row.webhookSecret).then((webhookSecret) => ({ ...row, webhookSecret }));
    const devJson: DevJson = {
      apiUrl: input.apiUrl,
      webUrl: input.webUrl,
      admin: input.admin,
      organisationId: DEMO.organisationId,
      facilities,
      integrations: await Promise.all(
        integrations.map(async ({ accountId, ...row }) => ({
          ...(await open(row)),
          ...accountOf(row.system, accountId),
          locationMap: Object.fromEntries(
            locations
              .filter((entry) => entry.integrationId === row.id)
              .map((entry) => [entry.locationId, entry.facilityId]),
          ),
        })),
      ),
      cctv: await Promise.all(cctv.map(open)),
      database: input.database,
      catalog: input.catalog,
      organisations: await organisationsOf(input.catalogDbUrl, input.catalog.url),
      ...(input.mailbox ? { mailbox: input.mailbox } : {}),
      ...(input.simulators ? { simulators: input.simulators } : {}),
    };
    writeFileSync(input.file, `${JSON.stringify(devJson, null, 2)}\n`);
    return devJson;
  } finally {
    db.$client.close();
  }
}
