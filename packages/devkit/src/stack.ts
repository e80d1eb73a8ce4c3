import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createNodeDb, migrateDb } from "@uas/db/node";
import { createSecretBox, newSecretsKey, type Db } from "@uas/db";
import { startLibsqlHttpServer } from "@uas/libsql-http";
import { startDemoPartner } from "@uas/demo-partner";
import { startMailbox } from "@uas/mailbox";
import {
  startAbcIgniteSimulator,
  startGlofoxSimulator,
  startMindbodySimulator,
  startPushPressSimulator,
} from "@uas/simulators";
import { seedDemo, demoWebhookTargets, DEMO } from "./seed";
import { writeDevJson, type DevJson } from "./dev-json";
import { startProcess, stopProcess, waitForHttp, type Managed } from "./processes";
import { offlineNoiseFilter } from "./offline-noise";

export const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

export type StackOptions = {
  dataDir: string;
  /** Wipe the data directory first (tests); `npm start` keeps it so data survives restarts. */
  fresh?: boolean;
  /** `mailbox` 0 (or absent) takes any free port: its URL reaches the Worker as a var. */
  ports: {
    web: number;
    api: number;
    db: number;
    partner: number;
    mailbox?: number;
    mindbody?: number;
    pushpress?: number;
    glofox?: number;
    abcIgnite?: number;
  };
  /** Start the admin app's dev server too (off for API-only integration tests). */
  web?: boolean;
  quiet?: boolean;
  /** Fire the nightly cron on start and every quarter hour (wrangler dev does not fire crons itself). */
  cron?: boolean;
  /** Extra Worker vars (`--var`), e.g. tuning for a benchmark. */
  vars?: Record<string, string>;
  /**
   * Run the Worker through wrangler's API with the devtools inspector off (load benchmarks): the same
   * runtime, without wrangler forwarding and logging every inspector event (apps/api/scripts/serve-without-inspector.mjs).
   */
  inspector?: boolean;
  /** Aborting stops whatever has started, also while the stack is still starting. */
  signal?: AbortSignal;
};

export type Stack = DevJson & { close(): Promise<void> };

/** Where `npm start` keeps the organisations' own databases, one file each, under the data directory. */
export const ORGANISATION_DATABASES_DIR = "orgs";

/** The file of an organisation's database (`organisationDatabaseFile(dataDir, DEMO.databaseName)`). */
export function organisationDatabaseFile(dataDir: string, databaseName: string): string {
  return join(dataDir, ORGANISATION_DATABASES_DIR, `${databaseName}.db`);
}

/** The demo organisation's database file, where its integrations, people and activity are. */
export const demoDatabaseFile = (dataDir: string) => organisationDatabaseFile(dataDir, DEMO.databaseName);

type Secrets = {
  authSecret: string;
  partnerApiKey: string;
  mailboxApiKey: string;
  /** The local libSQL endpoint's bearer token (the Worker's DATABASE_AUTH_TOKEN, as with Turso). */
  databaseAuthToken: string;
  /** The Worker's SECRETS_KEY: seals partner API keys and webhook secrets in the database. */
  secretsKey: string;
  /** The member-system simulators (`@uas/simulators`): their `/control` bearer key and API keys. */
  simulatorControlKey: string;
  mindbodyApiKey: string;
  pushpressApiKey: string;
  /** What signs the simulators' webhooks (Mindbody's messageSignatureKey, PushPress's signing secret). */
  mindbodySignatureKey: string;
  pushpressSigningSecret: string;
  /** Glofox's three credentials and the webhook secret it issues with them; ABC Ignite's app_id / app_key. */
  glofoxApiKey: string;
  glofoxApiToken: string;
  glofoxWebhookSecret: string;
  abcAppId: string;
  abcAppKey: string;
};

/** What each secret is when a data directory lacks it (made before the secret existed: added, the rest kept). */
const NEW_SECRETS: { [K in keyof Secrets]: () => string } = {
  authSecret: () => randomBytes(32).toString("base64url"),
  partnerApiKey: () => randomBytes(18).toString("base64url"),
  mailboxApiKey: () => `re_local_${randomBytes(18).toString("base64url")}`,
  databaseAuthToken: () => randomBytes(32).toString("base64url"),
  secretsKey: () => newSecretsKey("local1"),
  simulatorControlKey: () => randomBytes(18).toString("base64url"),
  mindbodyApiKey: () => randomBytes(16).toString("hex"),
  pushpressApiKey: () => randomBytes(16).toString("hex"),
  mindbodySignatureKey: () => randomBytes(32).toString("base64"),
  pushpressSigningSecret: () => randomBytes(24).toString("hex"),
  glofoxApiKey: () => randomBytes(16).toString("hex"),
  glofoxApiToken: () => randomBytes(16).toString("hex"),
  glofoxWebhookSecret: () => randomBytes(24).toString("hex"),
  abcAppId: () => randomBytes(8).toString("hex"),
  abcAppKey: () => randomBytes(16).toString("hex"),
};

export function loadSecrets(dataDir: string): Secrets {
  const file = join(dataDir, "secrets.json");
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<Secrets>) : {};
  const missing = (Object.keys(NEW_SECRETS) as Array<keyof Secrets>).filter((name) => !stored[name]);
  if (missing.length === 0) return stored as Secrets;
  const secrets = { ...stored, ...Object.fromEntries(missing.map((name) => [name, NEW_SECRETS[name]()])) } as Secrets;
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { dataDir, ports } = options;
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const secrets = loadSecrets(dataDir);
  const dbFile = join(dataDir, "dev.db");
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closeOne of closers.splice(0).reverse()) await closeOne().catch(() => undefined);
  };
  options.signal?.addEventListener("abort", () => void close());

  try {
    // The partner's URL is known before it starts, so the demo can be seeded first and the partner
    // then started with the seeded integration's webhook secret (it pushes signed webhooks on changes).
    const partnerUrl = `http://127.0.0.1:${ports.partner}`;
    const apiUrl = `http://127.0.0.1:${ports.api}`;
    const secretBox = createSecretBox(secrets.secretsKey);

    // The native member systems' simulators (0: any free port), each with an Active webhook subscription to
    // its demo integration, signed with the secret seeded below (so `.data/dev.json`'s webhookSecret signs).
    const mindbody = await startMindbodySimulator({
      port: ports.mindbody ?? 0,
      controlKey: secrets.simulatorControlKey,
      apiKeys: [secrets.mindbodyApiKey],
      siteId: Number(DEMO.mindbody.siteId),
      stateFile: join(dataDir, "mindbody.json"),
      webhookTarget: {
        url: `${apiUrl}/webhooks/integrations/${DEMO.mindbody.integrationId}`,
        messageSignatureKey: secrets.mindbodySignatureKey,
      },
    });
    closers.push(() => mindbody.close());
    const pushpress = await startPushPressSimulator({
      port: ports.pushpress ?? 0,
      controlKey: secrets.simulatorControlKey,
      apiKeys: [secrets.pushpressApiKey],
      companyId: DEMO.pushpress.companyId,
      stateFile: join(dataDir, "pushpress.json"),
      webhookTarget: {
        url: `${apiUrl}/webhooks/integrations/${DEMO.pushpress.integrationId}`,
        signingSecret: secrets.pushpressSigningSecret,
      },
    });
    closers.push(() => pushpress.close());
    const glofox = await startGlofoxSimulator({
      port: ports.glofox ?? 0,
      controlKey: secrets.simulatorControlKey,
      credentials: [{ apiKey: secrets.glofoxApiKey, apiToken: secrets.glofoxApiToken }],
      branchId: DEMO.glofox.branchId,
      stateFile: join(dataDir, "glofox.json"),
      webhookTarget: {
        url: `${apiUrl}/webhooks/integrations/${DEMO.glofox.integrationId}`,
        secret: secrets.glofoxWebhookSecret,
      },
    });
    closers.push(() => glofox.close());
    // No webhooks at ABC: the Worker's minute cron polls the club (ADR 0018).
    const abcIgnite = await startAbcIgniteSimulator({
      port: ports.abcIgnite ?? 0,
      controlKey: secrets.simulatorControlKey,
      credentials: [{ appId: secrets.abcAppId, appKey: secrets.abcAppKey }],
      clubNumber: DEMO.abcIgnite.clubNumber,
      clubTimeZone: DEMO.abcIgnite.clubTimeZone,
      stateFile: join(dataDir, "abc-ignite.json"),
    });
    closers.push(() => abcIgnite.close());
    // The catalog in dev.db and each organisation's database in orgs/<name>.db (ADR 0021), migrated alike.
    const db = createNodeDb({ url: `file:${dbFile}` });
    await migrateDb(db);
    const organisationDbs: Db[] = [];
    mkdirSync(join(dataDir, ORGANISATION_DATABASES_DIR), { recursive: true });
    const openOrganisationDb = async (name: string) => {
      const organisationDb = createNodeDb({ url: `file:${organisationDatabaseFile(dataDir, name)}` });
      await migrateDb(organisationDb);
      organisationDbs.push(organisationDb);
      return organisationDb;
    };
    const { seeded, demoDb } = await seedDemo(
      { catalog: db, organisation: openOrganisationDb },
      {
        partnerUrl,
        partnerApiKey: secrets.partnerApiKey,
        secrets: secretBox,
        native: {
          mindbody: {
            apiBaseUrl: mindbody.apiBaseUrl,
            apiKey: secrets.mindbodyApiKey,
            messageSignatureKey: secrets.mindbodySignatureKey,
          },
          pushpress: {
            apiBaseUrl: pushpress.apiBaseUrl,
            apiKey: secrets.pushpressApiKey,
            signingSecret: secrets.pushpressSigningSecret,
          },
          glofox: {
            apiBaseUrl: glofox.apiBaseUrl,
            apiKey: secrets.glofoxApiKey,
            apiToken: secrets.glofoxApiToken,
            webhookSecret: secrets.glofoxWebhookSecret,
          },
          abcIgnite: { apiBaseUrl: abcIgnite.apiBaseUrl, appId: secrets.abcAppId, appKey: secrets.abcAppKey },
        },
      },
    );
    const targets = await demoWebhookTargets(demoDb, apiUrl, secretBox);
    const demoDbUrl = demoDb === db ? `file:${dbFile}` : `file:${demoDatabaseFile(dataDir)}`;
    for (const opened of [db, ...organisationDbs]) opened.$client.close();

    const partner = await startDemoPartner({
      port: ports.partner,
      apiKey: secrets.partnerApiKey,
      stateFile: join(dataDir, "demo-partner.json"),
      cctvFacilityIds: [DEMO.cctvFacilityId],
      webhookTarget: targets.integration,
      cctvWebhookTargets: targets.cctv,
    });
    closers.push(() => partner.close());

    const dbServer = await startLibsqlHttpServer({
      file: dbFile,
      port: ports.db,
      authToken: secrets.databaseAuthToken,
      databasesDir: join(dataDir, ORGANISATION_DATABASES_DIR),
    });
    closers.push(() => dbServer.close());

    // The email provider under `npm start`: Resend's API, captured instead of delivered (Mailbox page).
    const mailboxApiKey = secrets.mailboxApiKey;
    const mailbox = await startMailbox({
      port: ports.mailbox ?? 0,
      apiKey: mailboxApiKey,
      stateFile: join(dataDir, "mailbox.json"),
    });
    closers.push(() => mailbox.close());

    const webUrl = `http://127.0.0.1:${ports.web}`;
    const webOrigins = [webUrl, `http://localhost:${ports.web}`].join(",");
    const childEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" };

    const workerVars: Record<string, string> = {
      DATABASE_URL: dbServer.url,
      DATABASE_AUTH_TOKEN: dbServer.authToken,
      ORGANISATION_DATABASE_URL: dbServer.databaseUrl("{database}"),
      AUTH_SECRET: secrets.authSecret,
      SECRETS_KEY: secrets.secretsKey,
      WEB_ORIGIN: webOrigins,
      APP_ENV: "development",
      RESEND_API_URL: mailbox.url,
      RESEND_API_KEY: mailboxApiKey,
      ...options.vars,
    };
    const api =
      options.inspector === false
        ? startProcess("api", process.execPath, [join(repoRoot, "apps/api/scripts/serve-without-inspector.mjs")], {
            cwd: join(repoRoot, "apps/api"),
            env: {
              ...childEnv,
              UAS_SERVE_OPTIONS: JSON.stringify({
                port: ports.api,
                persistTo: join(dataDir, "wrangler"),
                vars: workerVars,
              }),
            },
            quiet: options.quiet,
          })
        : startProcess(
            "api",
            join(repoRoot, "apps/api/node_modules/.bin/wrangler"),
            [
              "dev",
              "--env",
              "development",
              "--port",
              String(ports.api),
              "--ip",
              "127.0.0.1",
              "--inspector-port",
              String(ports.api + 10_000),
              "--test-scheduled",
              "--show-interactive-dev-session=false",
              "--persist-to",
              join(dataDir, "wrangler"),
              ...Object.entries(workerVars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
            ],
            { cwd: join(repoRoot, "apps/api"), env: childEnv, quiet: options.quiet, drop: offlineNoiseFilter() },
          );
    closers.push(() => stopProcess(api));
    await waitForHttp(`${apiUrl}/health`, 60_000, () => api.child.exitCode === null);

    let web: Managed | undefined;
    if (options.web !== false) {
      web = startProcess(
        "web",
        join(repoRoot, "apps/web/node_modules/.bin/vite"),
        ["--port", String(ports.web), "--strictPort", "--host", "127.0.0.1"],
        { cwd: join(repoRoot, "apps/web"), env: { ...childEnv, UAS_API_URL: apiUrl }, quiet: options.quiet },
      );
      closers.push(() => stopProcess(web!));
      await waitForHttp(webUrl, 60_000, () => web!.child.exitCode === null);
    }

    if (options.cron) {
      const fireCron = (cron: string) =>
        fetch(`${apiUrl}/__scheduled?cron=${encodeURIComponent(cron)}`).catch((error) =>
          console.error("[cron] could not reach the API:", String(error)),
        );
      const fire = () => fireCron("*/15 * * * *");
      void fire();
      // The minute cron: delta polls of the polled systems (ABC Ignite, ADR 0018).
      const minutely = setInterval(() => void fireCron("* * * * *"), 60_000);
      closers.push(async () => clearInterval(minutely));
      const quarter = 15 * 60_000;
      let interval: NodeJS.Timeout | undefined;
      const first = setTimeout(
        () => {
          void fire();
          interval = setInterval(fire, quarter);
        },
        quarter - (Date.now() % quarter),
      );
      closers.push(async () => {
        clearTimeout(first);
        if (interval) clearInterval(interval);
      });
    }

    const devJson = await writeDevJson({
      file: join(dataDir, "dev.json"),
      dbUrl: demoDbUrl,
      database: {
        url: demoDb === db ? dbServer.url : dbServer.databaseUrl(DEMO.databaseName),
        authToken: dbServer.authToken,
      },
      catalog: { url: dbServer.url, authToken: dbServer.authToken },
      catalogDbUrl: `file:${dbFile}`,
      secrets: secretBox,
      apiUrl,
      webUrl,
      admin: { email: DEMO.admin.email, password: DEMO.admin.password },
      mailbox: { url: mailbox.url, apiKey: mailboxApiKey },
      simulators: {
        mindbody: { url: mindbody.url, controlKey: secrets.simulatorControlKey },
        pushpress: { url: pushpress.url, controlKey: secrets.simulatorControlKey },
        glofox: { url: glofox.url, controlKey: secrets.simulatorControlKey },
        "abc-ignite": { url: abcIgnite.url, controlKey: secrets.simulatorControlKey },
      },
    });
    return { ...devJson, seeded, close } as Stack & { seeded: boolean };
  } catch (error) {
    await close();
    throw error;
  }
}
