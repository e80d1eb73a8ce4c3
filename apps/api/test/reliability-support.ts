/// <reference types="@cloudflare/vitest-pool-workers/types" />
/**
 * Shared by the reliability files (fuzz, tenancy, faults): the Worker called through its own `fetch` and
 * `queue` with a database of the file's own and recording queues, and whole-database fingerprints.
 */
import {
  env,
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { addOrganisationMember, createDb, grantFacilities, insertAdmin, newId, type Db } from "@uas/db";
import { parseJson } from "@uas/domain";
import worker from "../src";
import { ORIGIN, recordingQueue, signIn as signInThrough } from "./support";

export type Harness = ReturnType<typeof workerHarness>;

/**
 * The Worker over another database, with queues that only record: nothing runs in the background, so a
 * change in the database between two reads was made by the request in between.
 */
export function workerHarness(databaseUrl: string, vars: Record<string, string> = {}) {
  const sync = recordingQueue();
  const webhooks = recordingQueue();
  const invitations = recordingQueue();
  const bindings = {
    ...env,
    DATABASE_URL: databaseUrl,
    SYNC_QUEUE: sync.queue,
    WEBHOOKS_QUEUE: webhooks.queue,
    INVITATIONS_QUEUE: invitations.queue,
    ...vars,
  } as typeof env;
  const db = createDb({ url: databaseUrl, authToken: env.DATABASE_AUTH_TOKEN });

  async function fetch(request: Request): Promise<Response> {
    const ctx = createExecutionContext();
    const res = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, bindings, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  /** Delivers messages to the Worker's queue handler, as the runtime would. */
  async function deliver(
    queue: string,
    messages: Array<{ id: string; body: unknown; attempts?: number }>,
    extra: Record<string, string> = {},
  ) {
    const batch = createMessageBatch(
      queue,
      messages.map((m) => ({ id: m.id, body: m.body, timestamp: new Date(), attempts: m.attempts ?? 1 })),
    );
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...bindings, ...extra } as typeof env, ctx);
    return (await getQueueResult(batch, ctx)) as unknown as {
      explicitAcks: string[];
      retryMessages: Array<{ msgId: string }>;
    };
  }

  /** One cron invocation, as the runtime fires it. */
  async function scheduled(scheduledTime: number) {
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime, cron: "*/15 * * * *" }), bindings, ctx);
    await waitOnExecutionContext(ctx);
  }

  const signIn = (email: string, password: string) => signInThrough(email, password, fetch);

  /** A tRPC call; the raw text is kept so a test can look for data that must not be in it. */
  async function trpc(type: "query" | "mutation", path: string, input: unknown, cookie?: string) {
    const headers: Record<string, string> = { origin: ORIGIN, ...(cookie ? { cookie } : {}) };
    const request =
      type === "query"
        ? new Request(
            `${ORIGIN}/trpc/${path}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
            { headers },
          )
        : new Request(`${ORIGIN}/trpc/${path}`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: input === undefined ? "" : JSON.stringify(input),
          });
    const res = await fetch(request);
    const text = await res.text();
    return { status: res.status, text, body: parseJson(text) as TrpcBody | undefined };
  }

  return { env: bindings, db, fetch, deliver, scheduled, signIn, trpc, sync, webhooks, invitations };
}

export type TrpcBody = {
  result?: { data: unknown };
  error?: {
    message: string;
    data: { code: string; httpStatus: number; issues?: Array<{ path: string; message: string }> };
  };
};

// ——— Database fingerprints ———

type TableInfo = { name: string; columns: string[] };
const tablesByDb = new WeakMap<Db, Promise<TableInfo[]>>();

/** Every real table (FTS5 shadow tables and sqlite_sequence included; the contentless virtual table is not readable). */
async function tablesOf(db: Db): Promise<TableInfo[]> {
  let tables = tablesByDb.get(db);
  if (!tables) {
    tables = (async () => {
      const { rows } = await db.$client.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
      );
      const out: TableInfo[] = [];
      for (const row of rows) {
        const name = String(row.name);
        const info = await db.$client.execute({
          sql: "SELECT name FROM pragma_table_info(?) ORDER BY cid",
          args: [name],
        });
        out.push({ name, columns: info.rows.map((c) => String(c.name)) });
      }
      return out;
    })();
    tablesByDb.set(db, tables);
  }
  return tables;
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export type Fingerprint = { counts: Record<string, number>; hashes: Record<string, string> };

/**
 * Row counts of every table and a SHA-256 of each table's content, byte for byte (`quote()` of every
 * column, rows in a fixed order), in one round trip. `mentioning` keeps only the rows whose text contains
 * one of the given strings (a tenant's ids): the part of the database that belongs to that tenant.
 */
export async function fingerprint(db: Db, mentioning?: readonly string[]): Promise<Fingerprint> {
  const tables = await tablesOf(db);
  const selects = tables.map((table, i) => {
    const row = table.columns.map((c) => `quote(${ident(c)})`).join(" || char(31) || ");
    const filter =
      mentioning && mentioning.length > 0
        ? `WHERE ${mentioning.map((m) => `instr(r, '${m.replaceAll("'", "''")}') > 0`).join(" OR ")}`
        : "";
    return `SELECT ${i} AS t, count(*) AS n, group_concat(r, char(30) ORDER BY r) AS content FROM (SELECT ${row} AS r FROM ${ident(table.name)}) ${filter}`;
  });
  const { rows } = await db.$client.execute(selects.join(" UNION ALL "));
  const counts: Record<string, number> = {};
  const hashes: Record<string, string> = {};
  for (const row of rows) {
    const table = tables[Number(row.t)]!;
    counts[table.name] = Number(row.n);
    hashes[table.name] = await sha256(String(row.content ?? ""));
  }
  return { counts, hashes };
}

/** The tables whose count or content differ; empty when the two fingerprints are the same. */
export function changedTables(before: Fingerprint, after: Fingerprint): string[] {
  const names = new Set([...Object.keys(before.hashes), ...Object.keys(after.hashes)]);
  return [...names].filter((n) => before.counts[n] !== after.counts[n] || before.hashes[n] !== after.hashes[n]).sort();
}

export async function sha256(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// ——— Standard Webhooks over raw bytes ———

/**
 * `v1,<base64 HMAC-SHA256>` over `{id}.{timestamp}.{body bytes}` with the secret's bytes. The reference
 * library signs strings only; bodies that are not valid UTF-8 need the bytes signed as they are sent.
 */
export async function signBytes(secret: string, id: string, timestamp: string, body: Uint8Array): Promise<string> {
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, "")), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix, 0);
  signed.set(body, prefix.length);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, signed));
  return `v1,${btoa(String.fromCharCode(...mac))}`;
}

// ——— Figures for `pnpm bench:reliability` ———

export const FIGURES_MARKER = "RELIABILITY_FIGURES ";

/** One line the bench script picks out of the test output and merges into .bench/reliability.json. */
export function reportFigures(figures: Record<string, number | string>): void {
  console.log(`${FIGURES_MARKER}${JSON.stringify(figures)}`);
}

/** Cases per fuzz property: FUZZ_RUNS (the bench sets it), else the file's default for `npm test`. */
export function fuzzRuns(fallback: number): number {
  const raw = Number(env.FUZZ_RUNS);
  return Number.isInteger(raw) && raw > 0 ? raw : fallback;
}

// ——— Tenants ———

/** Another admin of an organisation, granted only the given facilities. */
export async function createAdmin(
  db: Db,
  input: { organisationId: string; role: "owner" | "admin"; facilityIds: string[] },
) {
  const now = Date.now();
  const admin = { id: newId("usr"), email: `${newId("admin")}@example.com`, password: "correct horse battery" };
  await insertAdmin(db, { ...admin, name: "Admin" }, now);
  await addOrganisationMember(db, { userId: admin.id, organisationId: input.organisationId, role: input.role });
  await grantFacilities(db, admin.id, input.facilityIds);
  return admin;
}

// ——— Seeding a facility through the product ———

export type Seeded = Awaited<ReturnType<typeof seedFacility>>;

const API = "http://api.test";

/** Calls as an admin and insists on success: the victims' data is made through the product itself. */
export function caller(h: Harness, cookie: string) {
  return async <T = Record<string, unknown>>(type: "query" | "mutation", path: string, input: unknown): Promise<T> => {
    const res = await h.trpc(type, path, input, cookie);
    if (res.status !== 200) throw new Error(`seeding ${path} answered ${res.status}: ${res.text.slice(0, 500)}`);
    return res.body?.result?.data as T;
  };
}

/** A signed webhook through the harness (its queue records the enqueue). */
export async function postSigned(h: Harness, url: string, secret: string, event: unknown) {
  const body = new TextEncoder().encode(JSON.stringify(event));
  const id = newId("msg");
  const timestamp = String(Math.floor(Date.now() / 1000));
  const res = await h.fetch(
    new Request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": timestamp,
        "webhook-signature": await signBytes(secret, id, timestamp, body),
      },
      body,
    }),
  );
  return { status: res.status, id, text: await res.text() };
}

/** Applies what the webhook receiver queued (the recording queue holds it), through the Worker's consumer. */
export async function applyQueuedWebhooks(h: Harness) {
  const messages = h.webhooks.sent.splice(0).filter((m) => (m as { type: string }).type === "webhook.apply");
  if (messages.length === 0) return;
  const result = await h.deliver(
    "webhooks",
    messages.map((body, i) => ({ id: `apply-${i}-${newId("m")}`, body })),
  );
  if (result.retryMessages.length > 0)
    throw new Error(`the consumer retried ${result.retryMessages.length} webhook.apply message(s)`);
}

/** A facility full of the things procedures address: users, a grant, a synced person, activity, a pass, a batch. */
export async function seedFacility(
  h: Harness,
  cookie: string,
  input: { facilityId: string; integrationId: string; integrationSecret: string; location: string; tag: string },
) {
  const call = caller(h, cookie);
  const { facilityId, integrationId } = input;
  const marker = `${input.tag}-${newId("v").slice(-10)}`;
  await call("mutation", "syncSettings.update", {
    facilityId,
    patch: { integrationsEnabled: true, cctvEnabled: true },
  });
  const user = await call<{ id: string }>("mutation", "users.create", {
    facilityId,
    firstName: `Victim${marker}`,
    lastName: `Person${marker}`,
    email: `${marker}@victim.example.com`,
    mobilePhone: null,
  });
  const withGrant = await call<{ grants: Array<{ id: string; name: string }> }>("mutation", "users.grants.add", {
    facilityId,
    userId: user.id,
    name: `Grant${marker}`,
  });
  const externalId = `EXT-${marker}`;
  const event = {
    type: "member.upserted",
    data: {
      external_id: externalId,
      first_name: `Synced${marker}`,
      last_name: `Member${marker}`,
      email: `synced-${marker}@victim.example.com`,
      mobile_phone: null,
      location_ids: [input.location],
      updated_at: "2026-11-24T10:00:00Z",
    },
  };
  const posted = await postSigned(h, `${API}/webhooks/integrations/${integrationId}`, input.integrationSecret, event);
  if (posted.status !== 202) throw new Error(`seeding webhook answered ${posted.status}: ${posted.text}`);
  await applyQueuedWebhooks(h);
  const activity = await call<{ entries: Array<{ id: number; externalId: string; userId: string | null }> }>(
    "query",
    "activity.list",
    {
      facilityId,
      limit: 50,
    },
  );
  const entry = activity.entries.find((e) => e.externalId === externalId);
  if (!entry?.userId) throw new Error(`the synced person ${externalId} has no activity entry in ${facilityId}`);
  const pass = await call<{ pass: { passId: string } }>("mutation", "passes.syncNow", {
    facilityId,
    source: "integration",
  });
  const batch = await call<{ batchId: string }>("mutation", "invitations.send", {
    facilityId,
    audience: { kind: "users", userIds: [user.id] },
    resend: false,
  });
  const preview = await call<{ token: string }>("query", "bulkDelete.preview", {
    facilityId,
    scope: { kind: "integration", integrationId },
  });
  return {
    facilityId,
    marker,
    userId: user.id,
    syncedUserId: entry.userId,
    grantId: withGrant.grants[0]!.id,
    grantName: withGrant.grants[0]!.name,
    externalId,
    entryId: entry.id,
    passId: pass.pass.passId,
    batchId: batch.batchId,
    token: preview.token,
  };
}
