import { writeFileSync } from "node:fs";
import { createNodeDb } from "@uas/db/node";
import { facility, integration, cctvSource, type SecretBox } from "@uas/db";
import { DEMO } from "./seed";

/** What a local client needs to talk to the stack; outside tools read these exact names. */
export type DevJson = {
  apiUrl: string;
  webUrl: string;
  admin: { email: string; password: string };
  organisationId: string;
  facilities: Array<{ id: string; name: string; timeZone: string }>;
  integrations: Array<{ id: string; name: string; webhookSecret: string; baseUrl: string }>;
  cctv: Array<{ facilityId: string; webhookSecret: string; baseUrl: string }>;
  /** The local email capture (Resend's API): `GET {url}/emails`, `POST {url}/control/fail-sends`, bearer `apiKey`. */
  mailbox?: { url: string; apiKey: string };
  /** The libSQL HTTP endpoint the Worker uses: `createClient({ url, authToken })`. */
  database: { url: string; authToken: string };
};

export async function writeDevJson(input: {
  file: string;
  dbUrl: string;
  database: { url: string; authToken: string };
  /** Opens the sealed webhook secrets: outside test suites sign with the plain ones. */
  secrets: SecretBox;
  apiUrl: string;
  webUrl: string;
  admin: { email: string; password: string };
  mailbox?: { url: string; apiKey: string };
}): Promise<DevJson> {
  const db = createNodeDb({ url: input.dbUrl });
  try {
    const [facilities, integrations, cctv] = await Promise.all([
      db
        .select({ id: facility.id, name: facility.name, timeZone: facility.timeZone })
        .from(facility)
        .orderBy(facility.name),
      db
        .select({
          id: integration.id,
          name: integration.name,
          webhookSecret: integration.webhookSecret,
          baseUrl: integration.baseUrl,
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
    ]);
    const open = <T extends { webhookSecret: string }>(row: T) =>
      input.secrets.open(row.webhookSecret).then((webhookSecret) => ({ ...row, webhookSecret }));
    const devJson: DevJson = {
      apiUrl: input.apiUrl,
      webUrl: input.webUrl,
      admin: input.admin,
      organisationId: DEMO.organisationId,
      facilities,
      integrations: await Promise.all(integrations.map(open)),
      cctv: await Promise.all(cctv.map(open)),
      database: input.database,
      ...(input.mailbox ? { mailbox: input.mailbox } : {}),
    };
    writeFileSync(input.file, `${JSON.stringify(devJson, null, 2)}\n`);
    return devJson;
  } finally {
    db.$client.close();
  }
}
