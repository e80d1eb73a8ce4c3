/**
 * Bad input, fuzzed (fast-check): both webhook endpoints and every tRPC mutation of the router.
 *
 * Webhooks: arbitrary JSON, mutated valid events (fields dropped, replaced, retyped, huge, unicode, nested
 * junk), random and missing headers, odd encodings (invalid UTF-8, BOM, UTF-16, wrong content-type,
 * chunked), signed and unsigned. Every answer is one of the contract's statuses with its error body, never a
 * 5xx; a rejected request leaves the database exactly as it was (every table's count and content hash); an
 * accepted one adds exactly its inbox row.
 *
 * tRPC: each mutation's valid input, mutated the same way; an input its schema refuses is BAD_REQUEST
 * with issues naming a field, and changes nothing.
 *
 * FUZZ_RUNS sets the cases per property (the bench runs ≥ 10,000 in all); `npm test` runs a few hundred.
 * The rate limiter is off here (WEBHOOK_RATE_LIMIT=off): it would answer 429 to nearly every case after the
 * fifth; 429 has its own test in webhooks.test.ts.
 */
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { env } from "cloudflare:test";
import fc from "fast-check";
import { and, eq } from "drizzle-orm";
import { accessUser, activityEntry, cctvSource, integration, newId, saveDoorApiKey, webhookInbox } from "@uas/db";
import { newDoorApiKey } from "../src/areas/access/door-keys";
import { parseJson, parseSourceEvent, type SyncSource } from "@uas/domain";
import { createWebhookTenant, member, type WebhookTenant } from "./webhooks-helpers";
import {
  changedTables,
  fingerprint,
  fuzzRuns,
  reportFigures,
  seedFacility,
  signBytes,
  workerHarness,
  type Fingerprint,
  type Seeded,
} from "./reliability-support";
import { buildInputs, isIdLike, listProcedures, validate, type ProcedureInfo } from "./zod-inputs";

const h = workerHarness(env.FUZZ_DATABASE_URL, { WEBHOOK_RATE_LIMIT: "off" });
const db = h.db;
const API = "http://api.test";
const MAX_BODY = 256 * 1024;
const WEBHOOK_STATUSES = [202, 400, 401, 404, 413, 429];
const CODE_OF: Record<number, string> = {
  400: "invalid_payload",
  401: "invalid_signature",
  404: "not_found",
  413: "payload_too_large",
  429: "rate_limited",
};
/** The fixed id of an event stored before the fuzz: reusing it must answer 202 duplicate. */
const DUPLICATE_ID = "msg_fuzz_stored_once";

const WEBHOOK_RUNS = fuzzRuns(400);
const TRPC_RUNS = fuzzRuns(300);
const figures = {
  webhook_cases: 0,
  trpc_cases: 0,
  apply_cases: 0,
  fuzz_5xx: 0,
  fuzz_db_changes: 0,
  accepted: 0,
  by_status: {} as Record<string, number>,
};

let own: WebhookTenant;
let other: WebhookTenant;
let baseline: Fingerprint;

const count = (status: number) => {
  figures.by_status[status] = (figures.by_status[status] ?? 0) + 1;
  if (status >= 500) figures.fuzz_5xx += 1;
};

beforeAll(async () => {
  own = await createWebhookTenant(db);
  other = await createWebhookTenant(db);
  // Sources that answer: "Sync this person now" fetches from them (the demo partner only reads here).
  await db
    .update(integration)
    .set({ baseUrl: env.DEMO_PARTNER_URL, apiKey: env.DEMO_PARTNER_KEY })
    .where(eq(integration.id, own.integration.id));
  await db
    .update(cctvSource)
    .set({ baseUrl: `${env.DEMO_PARTNER_URL}/cctv`, apiKey: env.DEMO_PARTNER_KEY })
    .where(eq(cctvSource.facilityId, own.granted.id));
  // One event stored, so a case can reuse its id; the senders' last-webhook stamps start empty.
  const person = { type: "person.identified", data: { person_id: "cv-stored", updated_at: "2026-11-24T09:00:00Z" } };
  for (const [url, secret, event] of [
    [own.integrationUrl, own.integration.webhookSecret, validMember("M-stored")],
    [own.cctvUrl, own.cctv.webhookSecret, person],
  ] as const) {
    const stored = new TextEncoder().encode(JSON.stringify(event));
    const res = await send({
      url,
      body: stored,
      headers: await signedHeaders(secret, DUPLICATE_ID, nowSeconds(), stored),
    });
    expect(res.status).toBe(202);
  }
  await resetStamps();
  baseline = await fingerprint(db);
}, 30_000);

afterAll(() => {
  reportFigures({
    fuzz_cases: figures.webhook_cases + figures.trpc_cases + figures.apply_cases,
    fuzz_webhook_cases: figures.webhook_cases,
    fuzz_trpc_cases: figures.trpc_cases,
    fuzz_apply_cases: figures.apply_cases,
    fuzz_5xx: figures.fuzz_5xx,
    fuzz_db_changes: figures.fuzz_db_changes,
    fuzz_accepted: figures.accepted,
  });
  console.log(`fuzz statuses: ${JSON.stringify(figures.by_status)}`);
});

async function resetStamps() {
  await db.update(integration).set({ lastWebhookAt: null }).where(eq(integration.id, own.integration.id));
  await db.update(cctvSource).set({ lastWebhookAt: null }).where(eq(cctvSource.facilityId, own.granted.id));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

async function signedHeaders(secret: string, id: string, timestamp: number, body: Uint8Array) {
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signBytes(secret, id, String(timestamp), body),
  };
}

async function send(input: {
  url: string;
  body: Uint8Array;
  headers: Array<[string, string]> | Record<string, string>;
  chunks?: number;
}) {
  const body =
    input.chunks && input.chunks > 1 && input.body.length > 0
      ? new ReadableStream<Uint8Array>({
          start(controller) {
            const size = Math.ceil(input.body.length / input.chunks!);
            for (let i = 0; i < input.body.length; i += size) controller.enqueue(input.body.slice(i, i + size));
            controller.close();
          },
        })
      : input.body;
  const res = await h.fetch(new Request(input.url, { method: "POST", headers: input.headers, body }));
  const text = await res.text();
  return { status: res.status, text, json: parseJson(text) };
}

// ——— Arbitraries: bodies ———

const plainText = (max: number) => fc.string({ unit: "binary", maxLength: max });
const text = plainText;
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const isoDate = fc
  .date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2099-12-31T23:59:59Z"), noInvalidDate: true })
  .chain((d) =>
    fc.constantFrom(
      d.toISOString(),
      d.toISOString().replace(/\.\d{3}Z$/, "Z"),
      d.toISOString().replace(/Z$/, "+02:00"),
      d.toISOString().replace(/\.\d{3}Z$/, "-05:30"),
    ),
  );
/** Ids as the contract allows them: any text but control characters (an id with one is refused, see below). */
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F-\u009F]/;
const personId = fc.string({ unit: "binary", minLength: 1, maxLength: 64 }).filter((id) => !CONTROL_CHARACTER.test(id));
const locations = fc.array(fc.oneof(fc.constantFrom("loc-north", "loc-river", "loc-closed"), text(40)), {
  maxLength: 5,
});

function validMember(externalId: string) {
  return member({ external_id: externalId });
}

/** Events as the contract describes them, any field values it allows. */
const validEvent = (
  source: SyncSource,
  text: (max: number) => fc.Arbitrary<string> = plainText,
): fc.Arbitrary<Record<string, unknown>> =>
  source === "integration"
    ? fc.oneof(
        fc.record({
          type: fc.constant("member.upserted"),
          data: fc.record(
            {
              external_id: personId,
              first_name: nullable(text(60)),
              last_name: nullable(text(60)),
              email: nullable(fc.oneof(fc.emailAddress(), text(60))),
              mobile_phone: nullable(fc.oneof(fc.constantFrom("+447700900123", "07700 900123", "12"), text(20))),
              person_type: nullable(text(20)),
              membership_status: nullable(text(20)),
              tags: fc.array(text(20), { maxLength: 5 }),
              location_ids: locations,
              updated_at: isoDate,
            },
            { requiredKeys: ["external_id", "updated_at"] },
          ),
        }),
        fc.record({
          type: fc.constant("member.removed"),
          data: fc.record(
            { external_id: personId, location_ids: locations, updated_at: isoDate },
            { requiredKeys: ["external_id", "updated_at"] },
          ),
        }),
      )
    : fc.oneof(
        fc.record({
          type: fc.constant("person.identified"),
          data: fc.record(
            {
              person_id: personId,
              first_name: nullable(text(60)),
              last_name: nullable(text(60)),
              email: nullable(fc.oneof(fc.emailAddress(), text(60))),
              mobile_phone: nullable(text(20)),
              updated_at: isoDate,
            },
            { requiredKeys: ["person_id", "updated_at"] },
          ),
        }),
        fc.record({
          type: fc.constant("person.removed"),
          data: fc.record({ person_id: personId, updated_at: isoDate }),
        }),
      );

/** Unicode that breaks things: lone surrogates, NUL, RTL marks, zero-width joiners, emoji, combining marks. */
const nastyString = fc.oneof(
  text(200),
  fc.constantFrom(
    "\uD800",
    "\uDFFF",
    "a\uD83Dz",
    "\u0000",
    "\u202Eevil",
    "\u200D\u200B",
    "👩‍👩‍👧‍👦",
    "e\u0301\u0301\u0301",
    "\uFEFF",
    "'; DROP TABLE access_user; --",
    "%00",
    "\\u0000",
  ),
  fc.string({ unit: "grapheme", maxLength: 50 }),
);

/**
 * Deeply nested junk, carried as a marker string until the body is serialised (see `toJson`): a JS value
 * thousands of levels deep would overflow the test's own recursion (and fast-check's reporting) first.
 */
const nestedJunk = fc
  .tuple(fc.integer({ min: 1, max: 3000 }), fc.constantFrom("array", "object"))
  .map(([depth, kind]) => `\u0000NEST:${depth}:${kind}\u0000`);

/** JSON text of a (mutated) value, with each nesting marker expanded to its nested JSON. */
function toJson(value: unknown): string {
  return (JSON.stringify(value) ?? "null").replace(
    /"\\u0000NEST:(\d+):(array|object)\\u0000"/g,
    (_, depth: string, kind: string) => {
      const n = Number(depth);
      return kind === "array" ? `${"[".repeat(n)}"deep"${"]".repeat(n)}` : `${'{"k":'.repeat(n)}"deep"${"}".repeat(n)}`;
    },
  );
}

const anyJson = fc.jsonValue({ maxDepth: 4 });
const retyped = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string(), anyJson, { maxKeys: 3 }),
  fc.string(),
);
const hugeString = fc
  .integer({ min: 1_000, max: 300_000 })
  .chain((n) => fc.constantFrom("x", "é", "😀", "\\").map((c) => c.repeat(Math.ceil(n / c.length))));

type Mutation = { op: "drop" | "set" | "add"; pick: number; value?: unknown; key?: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("drop" as const), pick: fc.nat() }),
  fc.record({
    op: fc.constant("set" as const),
    pick: fc.nat(),
    value: fc.oneof(anyJson, retyped, nastyString, nestedJunk),
  }),
  fc.record({ op: fc.constant("set" as const), pick: fc.nat(), value: hugeString }),
  fc.record({
    op: fc.constant("add" as const),
    pick: fc.nat(),
    key: fc.oneof(fc.string(), fc.constantFrom("__proto__", "constructor", "type", "data")),
    value: fc.oneof(anyJson, nestedJunk),
  }),
);

/** Every path to a value in a JSON tree, the root excluded. */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== "object") return [];
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

/** Applies mutations to a deep copy (a JSON round trip: what survives is what a sender could send). */
function mutate(value: unknown, mutations: Mutation[]): unknown {
  let root = JSON.parse(JSON.stringify(value ?? null)) as unknown;
  for (const m of mutations) {
    const paths = pathsOf(root);
    if (m.op === "add") {
      const containers = [[], ...paths].filter((p) => {
        const target = p.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k as string], root);
        return target !== null && typeof target === "object" && !Array.isArray(target);
      });
      if (containers.length === 0) continue;
      const path = containers[m.pick % containers.length]!;
      const target = path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k as string], root) as Record<
        string,
        unknown
      >;
      Object.defineProperty(target, m.key ?? "extra", {
        value: m.value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
      continue;
    }
    if (paths.length === 0) {
      if (m.op === "set") root = m.value;
      continue;
    }
    const path = paths[m.pick % paths.length]!;
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((v, k) => (v as Record<string, unknown>)[k as string], root) as Record<string | number, unknown>;
    const key = path[path.length - 1]!;
    if (m.op === "drop") {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else {
      parent[key] = m.value;
    }
  }
  return root;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const concatBytes = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
};
const INVALID_UTF8 = [
  [0xff],
  [0xfe],
  [0xc0, 0x80],
  [0x80],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

function utf16(s: string, littleEndian: boolean, bom: boolean): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  const view = new DataView(out.buffer);
  let offset = 0;
  if (bom) {
    view.setUint16(0, 0xfeff, littleEndian);
    offset = 2;
  }
  for (let i = 0; i < s.length; i++) view.setUint16(offset + i * 2, s.charCodeAt(i), littleEndian);
  return out;
}

type Body = { kind: string; bytes: Uint8Array };

/** How fast-check prints a body in a counterexample: its kind, size and the start of its text. */
function described(kind: string, bytes: Uint8Array): Body {
  return Object.assign(
    { kind, bytes },
    {
      [fc.toStringMethod]: () =>
        `${kind}(${bytes.length} bytes: ${JSON.stringify(new TextDecoder().decode(bytes.slice(0, 300)))})`,
    },
  );
}

const body = (source: SyncSource): fc.Arbitrary<Body> =>
  fc.oneof(
    { weight: 20, arbitrary: validEvent(source).map((e) => described("valid", utf8(JSON.stringify(e)))) },
    {
      weight: 35,
      arbitrary: fc
        .tuple(validEvent(source), fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([e, ms]) => described("mutated", utf8(toJson(mutate(e, ms))))),
    },
    {
      weight: 8,
      arbitrary: fc.jsonValue({ maxDepth: 5 }).map((v) => described("json", utf8(JSON.stringify(v) ?? "null"))),
    },
    {
      weight: 8,
      arbitrary: fc
        .tuple(validEvent(source), fc.constantFrom(...INVALID_UTF8), fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([e, bad, at]) => {
          const good = utf8(JSON.stringify(e));
          const cut = Math.floor(at * good.length);
          return described("invalid-utf8", concatBytes(good.slice(0, cut), new Uint8Array(bad), good.slice(cut)));
        }),
    },
    {
      weight: 5,
      arbitrary: validEvent(source).map((e) =>
        described("bom", concatBytes(new Uint8Array([0xef, 0xbb, 0xbf]), utf8(JSON.stringify(e)))),
      ),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(validEvent(source), fc.boolean(), fc.boolean())
        .map(([e, le, bom]) => described("utf16", utf16(JSON.stringify(e), le, bom))),
    },
    { weight: 5, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => described("bytes", bytes)) },
    { weight: 2, arbitrary: fc.constant(null).map(() => described("empty", new Uint8Array(0))) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(validEvent(source), fc.integer({ min: MAX_BODY - 64, max: MAX_BODY + 4096 }))
        .map(([e, size]) => {
          const json = JSON.stringify({ ...e, padding: "" });
          return described(
            "near-limit",
            utf8(json.replace('"padding":""', `"padding":"${"p".repeat(Math.max(0, size - json.length))}"`)),
          );
        }),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom("[", '{"a":'))
        .map(([depth, open]) =>
          described("deep", utf8(`${open.repeat(depth)}1${(open === "[" ? "]" : "}").repeat(depth)}`)),
        ),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(validEvent(source), fc.constantFrom(" ", "\n", "\t", "\r\n", "  \n "))
        .map(([e, ws]) => described("whitespace", utf8(`${ws}${JSON.stringify(e)}${ws}`))),
    },
  );

// ——— Arbitraries: targets and headers ———

type Target = "own" | "other-sender" | "unknown" | "no-cctv" | "junk";
const printable = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 40,
});
// Header values are ASCII: workerd UTF-8-encodes anything else with a warning per header (the bytes a
// sender could put there are covered by the body cases).
const headerText = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 })
  .map((s) => s.trim());

type Signing = "valid" | "valid-among" | "none" | "wrong-secret" | "other-body" | "junk" | "no-version" | "v2";
type WebhookCase = {
  source: SyncSource;
  target: Target;
  junkPath: string;
  body: Body;
  signing: Signing;
  id: { kind: "fresh" | "duplicate" | "random"; value: string };
  timestamp: { kind: "now" | "near" | "stale" | "junk" | "empty"; offset: number; junk: string };
  drop: ReadonlyArray<"webhook-id" | "webhook-timestamp" | "webhook-signature">;
  contentType: string | null;
  extraHeaders: Array<[string, string]>;
  junkSignature: string;
  chunks: number;
};

const webhookCase: fc.Arbitrary<WebhookCase> = fc.constantFrom<SyncSource>("integration", "cctv").chain((source) =>
  fc.record({
    source: fc.constant(source),
    target: fc.oneof(
      { weight: 14, arbitrary: fc.constant<Target>("own") },
      { weight: 2, arbitrary: fc.constantFrom<Target>("other-sender", "unknown", "no-cctv", "junk") },
    ),
    junkPath: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: "binary", maxLength: 300 })),
    body: body(source),
    signing: fc.oneof(
      { weight: 12, arbitrary: fc.constant<Signing>("valid") },
      { weight: 2, arbitrary: fc.constant<Signing>("valid-among") },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Signing>("none", "wrong-secret", "other-body", "junk", "no-version", "v2"),
      },
    ),
    id: fc.oneof(
      { weight: 14, arbitrary: fc.uuid().map((u) => ({ kind: "fresh" as const, value: `msg_${u}` })) },
      { weight: 1, arbitrary: fc.constant({ kind: "duplicate" as const, value: DUPLICATE_ID }) },
      { weight: 4, arbitrary: headerText.map((value) => ({ kind: "random" as const, value })) },
    ),
    timestamp: fc.record({
      kind: fc.oneof(
        { weight: 12, arbitrary: fc.constant<"now">("now") },
        {
          weight: 3,
          arbitrary: fc.constantFrom<"near" | "stale" | "junk" | "empty">("near", "stale", "junk", "empty"),
        },
      ),
      offset: fc.integer({ min: -290, max: 290 }),
      junk: fc.oneof(printable, fc.constantFrom("-1", "1.5", "1e9", "0x10", "99999999999999", " 1", "NaN")),
    }),
    drop: fc.oneof(
      { weight: 9, arbitrary: fc.constant([]) },
      {
        weight: 1,
        arbitrary: fc.subarray(["webhook-id", "webhook-timestamp", "webhook-signature"] as const, { minLength: 1 }),
      },
    ),
    contentType: fc.oneof(
      { weight: 7, arbitrary: fc.constant("application/json") },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          null,
          "text/plain",
          "application/json; charset=utf-16",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=xyz",
          "application/octet-stream",
          "APPLICATION/JSON",
          ";;;",
        ),
      },
    ),
    extraHeaders: fc.array(
      fc.tuple(
        fc.constantFrom(
          "x-junk",
          "x-forwarded-for",
          "accept",
          "user-agent",
          "webhook-signature",
          "webhook-id",
          "content-encoding",
        ),
        headerText,
      ),
      { maxLength: 3 },
    ),
    junkSignature: headerText,
    chunks: fc.oneof(
      { weight: 9, arbitrary: fc.constant(1) },
      { weight: 1, arbitrary: fc.integer({ min: 2, max: 50 }) },
    ),
  }),
);

/** What the contract says this request must get, computed from the case alone. */
function expectedWebhookStatus(c: WebhookCase, headers: Headers, signedWithOwnSecret: boolean): number {
  if (c.target !== "own" && c.target !== "other-sender") return 404;
  if (c.body.bytes.length > MAX_BODY) return 413;
  const id = headers.get("webhook-id");
  const ts = headers.get("webhook-timestamp");
  const sig = headers.get("webhook-signature");
  const authentic =
    c.target === "own" &&
    signedWithOwnSecret &&
    !!id &&
    !!ts &&
    !!sig &&
    id.length <= 256 &&
    /^\d{1,12}$/.test(ts) &&
    Math.abs(nowSeconds() - Number(ts)) <= 300;
  if (!authentic) return 401;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(c.body.bytes));
  } catch {
    return 400;
  }
  return parseSourceEvent(c.source, value).ok ? 202 : 400;
}

function encodePath(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be percent-encoded as UTF-8; send its (invalid) bytes escaped instead.
    return `%ED%A0%80${encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, ""))}`;
  }
}

async function buildRequest(c: WebhookCase) {
  const tenant = c.target === "other-sender" ? other : own;
  const path =
    c.target === "unknown"
      ? `${c.source === "integration" ? "int" : "fac"}_00000000000000000000000000000000`
      : c.target === "junk"
        ? encodePath(c.junkPath)
        : c.target === "no-cctv"
          ? own.ungranted.id
          : c.source === "integration"
            ? tenant.integration.id
            : tenant.granted.id;
  const url = `${API}/webhooks/${c.source === "integration" ? "integrations" : "cctv"}/${path}`;
  const secret = c.source === "integration" ? own.integration.webhookSecret : own.cctv.webhookSecret;
  const id = c.id.value;
  const ts =
    c.timestamp.kind === "now"
      ? String(nowSeconds())
      : c.timestamp.kind === "near"
        ? String(nowSeconds() + c.timestamp.offset)
        : c.timestamp.kind === "stale"
          ? String(
              nowSeconds() +
                (c.timestamp.offset >= 0 ? 310 + c.timestamp.offset * 1000 : -310 + c.timestamp.offset * 1000),
            )
          : c.timestamp.kind === "junk"
            ? c.timestamp.junk
            : "";
  const good = await signBytes(secret, id, ts, c.body.bytes);
  const signatures: Record<Signing, () => Promise<string>> = {
    valid: async () => good,
    "valid-among": async () => `v1,AAAA ${c.junkSignature.replace(/\s/g, "")} ${good} v2,${good.slice(3)}`,
    none: async () => "",
    // Another real sender's secret: the target's own secret would make the request authentic.
    "wrong-secret": async () =>
      signBytes(
        c.target === "other-sender" ? own.integration.webhookSecret : other.integration.webhookSecret,
        id,
        ts,
        c.body.bytes,
      ),
    "other-body": async () => signBytes(secret, id, ts, concatBytes(c.body.bytes, utf8(" "))),
    junk: async () => c.junkSignature,
    "no-version": async () => good.slice(3),
    v2: async () => `v2,${good.slice(3)}`,
  };
  const signature = await signatures[c.signing]();
  const headers = new Headers();
  if (c.contentType !== null) headers.set("content-type", c.contentType);
  if (id) headers.set("webhook-id", id);
  if (ts) headers.set("webhook-timestamp", ts);
  if (signature) headers.set("webhook-signature", signature);
  for (const name of c.drop) headers.delete(name);
  // Extra headers may repeat a webhook header: appended values are joined with ", " as on the wire.
  for (const [name, value] of c.extraHeaders) if (value) headers.append(name, value);
  const signedWithOwnSecret =
    (c.signing === "valid" || c.signing === "valid-among") &&
    headers.get("webhook-id") === id &&
    headers.get("webhook-timestamp") === ts &&
    // Each listed entry is `version,signature` (Standard Webhooks): what follows a second comma is not read.
    (headers.get("webhook-signature") ?? "")
      .split(" ")
      .filter(Boolean)
      .slice(0, 10)
      .some((entry) => {
        const [version, value] = entry.split(",");
        return version === "v1" && value === good.slice(3);
      });
  return {
    url,
    headers,
    signedWithOwnSecret,
    sender: c.source === "integration" ? own.integrationSender : own.cctvSender,
  };
}

describe("fuzzing the webhook endpoints", () => {
  it(
    `answers only the contract's statuses, never a 5xx, and changes nothing unless it accepts (${WEBHOOK_RUNS} cases)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(webhookCase, async (c) => {
          const { url, headers, signedWithOwnSecret, sender } = await buildRequest(c);
          const expected = expectedWebhookStatus(c, headers, signedWithOwnSecret);
          const res = await send({ url, body: c.body.bytes, headers: [...headers.entries()], chunks: c.chunks });
          figures.webhook_cases += 1;
          count(res.status);
          const where = `${c.body.kind} → ${res.status} ${res.text.slice(0, 300)}`;
          expect(WEBHOOK_STATUSES, where).toContain(res.status);
          expect(res.status, where).toBe(expected);

          if (res.status === 202) {
            const webhookId = headers.get("webhook-id")!;
            const duplicate = webhookId === DUPLICATE_ID;
            expect(res.json, where).toEqual({ id: webhookId, status: duplicate ? "duplicate" : "accepted" });
            if (!duplicate) {
              figures.accepted += 1;
              // Stored as received (decoded text), then removed again so the next case starts from the baseline.
              const key = and(eq(webhookInbox.sender, sender), eq(webhookInbox.webhookId, webhookId));
              const [row] = await db.select().from(webhookInbox).where(key);
              expect(row?.payload, where).toBe(new TextDecoder().decode(c.body.bytes));
              await db.delete(webhookInbox).where(key);
              h.webhooks.sent.length = 0;
            }
            await resetStamps();
          } else {
            const error = (
              res.json as {
                error?: { code: string; message: string; issues?: Array<{ path: string; message: string }> };
              }
            )?.error;
            expect(error?.code, where).toBe(CODE_OF[res.status]);
            expect(typeof error?.message, where).toBe("string");
            if (res.status === 400) {
              expect(error?.issues?.length, where).toBeGreaterThan(0);
              for (const issue of error?.issues ?? [])
                expect(typeof issue.path === "string" && typeof issue.message === "string", where).toBe(true);
            }
            // Errors never echo a secret.
            expect(res.text).not.toContain(own.integration.webhookSecret);
          }
          const changed = changedTables(baseline, await fingerprint(db));
          if (changed.length > 0) {
            figures.fuzz_db_changes += 1;
            baseline = await fingerprint(db);
          }
          expect(changed, `${where}: the database changed`).toEqual([]);
        }),
        { numRuns: WEBHOOK_RUNS, endOnFailure: true },
      );
    },
    Math.max(50_000, WEBHOOK_RUNS * 60),
  );
});

// ——— tRPC mutations ———

describe("fuzzing every tRPC mutation's input", () => {
  const mutations = listProcedures().filter((p) => p.type === "mutation");
  let cookie: string;
  let seeded: Seeded;
  const bases = new Map<string, unknown[]>();

  beforeAll(async () => {
    cookie = await h.signIn(own.admin.email, own.admin.password);
    seeded = await seedFacility(h, cookie, {
      facilityId: own.granted.id,
      integrationId: own.integration.id,
      integrationSecret: own.integration.webhookSecret,
      location: "loc-north",
      tag: "fuzz",
    });
    await resetStamps();
    const values: Record<string, unknown> = {
      facilityId: own.granted.id,
      organisationId: own.organisation.id,
      integrationId: own.integration.id,
      userId: seeded.userId,
      userIds: [seeded.userId],
      grantId: seeded.grantId,
      passId: seeded.passId,
      entryId: seeded.entryId,
      batchId: seeded.batchId,
      externalId: seeded.externalId,
      token: seeded.token,
      locationId: "loc-fuzz",
      // A source that answers (an integration edited to it is fetched by "Sync this person now").
      baseUrl: env.DEMO_PARTNER_URL,
      apiKey: env.DEMO_PARTNER_KEY,
    };
    for (const p of mutations) {
      const inputs = buildInputs(p, (key) => values[key]);
      for (const input of inputs) expect(validate(p, input).ok, `${p.path}: the base input is valid`).toBe(true);
      bases.set(p.path, inputs);
    }
    h.sync.sent.length = 0;
    h.webhooks.sent.length = 0;
    h.invitations.sent.length = 0;
    baseline = await fingerprint(db);
  }, 30_000);

  type Encoding = "json" | "invalid-json" | "invalid-utf8" | "bom" | "content-type";
  const trpcCase = fc.record({
    procedure: fc.nat(),
    variant: fc.nat(),
    shape: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }).map((ms) => ({ kind: "mutated" as const, ms })),
      },
      { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: "json" as const, value })) },
    ),
    encoding: fc.oneof(
      { weight: 16, arbitrary: fc.constant<Encoding>("json") },
      { weight: 1, arbitrary: fc.constantFrom<Encoding>("invalid-json", "invalid-utf8", "bom", "content-type") },
    ),
    contentType: fc.constantFrom(
      null,
      "text/plain",
      "multipart/form-data; boundary=x",
      "application/octet-stream",
      "application/x-www-form-urlencoded",
    ),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it(
    `refuses an invalid input as BAD_REQUEST naming a field, never a 5xx, and changes nothing (${TRPC_RUNS} cases)`,
    async () => {
      expect(mutations.length).toBeGreaterThan(5);
      // The User Access page's writes are fuzzed with the rest: a mangled file or id changes nothing.
      expect(mutations.map((p) => p.path)).toEqual(
        expect.arrayContaining(["users.sendInvitation", "users.import.preview", "users.import.confirm"]),
      );
      await fc.assert(
        fc.asyncProperty(trpcCase, async (c) => {
          const p: ProcedureInfo = mutations[c.procedure % mutations.length]!;
          const variants = bases.get(p.path)!;
          const base = variants[c.variant % variants.length];
          const json =
            c.shape.kind === "mutated" ? toJson(mutate(base, c.shape.ms)) : (JSON.stringify(c.shape.value) ?? "");
          const input: unknown = json === "" ? undefined : JSON.parse(json);
          let bytes = utf8(json);
          let contentType: string | null = "application/json";
          if (c.encoding === "invalid-json") bytes = utf8(`${json.slice(0, Math.floor(c.cut * json.length))}}{`);
          if (c.encoding === "invalid-utf8")
            bytes = concatBytes(
              bytes.slice(0, Math.floor(c.cut * bytes.length)),
              new Uint8Array([0xff, 0xc0]),
              bytes.slice(Math.floor(c.cut * bytes.length)),
            );
          if (c.encoding === "bom") bytes = concatBytes(new Uint8Array([0xef, 0xbb, 0xbf]), bytes);
          if (c.encoding === "content-type") contentType = c.contentType;

          const headers: Record<string, string> = { origin: "http://web.test", cookie };
          if (contentType) headers["content-type"] = contentType;
          const res = await h.fetch(
            new Request(`http://web.test/trpc/${p.path}`, { method: "POST", headers, body: bytes }),
          );
          const text = await res.text();
          const body = parseJson(text) as
            | {
                error?: {
                  data?: { code: string; httpStatus: number; issues?: Array<{ path: string; message: string }> };
                };
              }
            | undefined;
          figures.trpc_cases += 1;
          count(res.status);
          const where = `${p.path} ${c.encoding} ${json.slice(0, 200)} → ${res.status} ${text.slice(0, 300)}`;
          expect(res.status, where).toBeLessThan(500);
          expect([200, 400, 401, 403, 404, 409, 415], where).toContain(res.status);

          if (c.encoding === "json") {
            const valid = validate(p, input).ok;
            // The scope is checked before the rest of the input: a well-formed facility or organisation id
            // that is not the caller's is NOT_FOUND whatever else is wrong (nothing is disclosed to outsiders).
            const scopeParsed = p.inputs[0]!.safeParse(input).success;
            const scopeChanged = ["facilityId", "organisationId"].some(
              (key) =>
                base !== null &&
                typeof base === "object" &&
                key in base &&
                (input as Record<string, unknown> | null)?.[key] !== (base as Record<string, unknown>)[key],
            );
            if (!valid && scopeParsed && scopeChanged) {
              expect(res.status, where).toBe(404);
            } else if (!valid) {
              expect(res.status, where).toBe(400);
              expect(body?.error?.data?.code, where).toBe("BAD_REQUEST");
              const issues = body?.error?.data?.issues ?? [];
              expect(issues.length, where).toBeGreaterThan(0);
              // An object input is refused field by field: at least one issue names where it went wrong.
              if (input !== null && typeof input === "object" && !Array.isArray(input)) {
                expect(
                  issues.some((issue) => issue.path !== ""),
                  where,
                ).toBe(true);
              }
            }
          }
          if (
            c.encoding === "content-type" &&
            contentType !== "multipart/form-data; boundary=x" &&
            contentType !== "application/octet-stream"
          ) {
            expect(res.status, where).toBe(415);
          }

          const after = await fingerprint(db);
          const changed = changedTables(baseline, after);
          if (res.status === 200) {
            // A valid input did its work: that is the new starting point.
            baseline = after;
            h.sync.sent.length = 0;
            h.webhooks.sent.length = 0;
            h.invitations.sent.length = 0;
          } else {
            if (changed.length > 0) {
              figures.fuzz_db_changes += 1;
              baseline = after;
            }
            expect(changed, `${where}: the database changed`).toEqual([]);
          }
        }),
        { numRuns: TRPC_RUNS, endOnFailure: true },
      );
    },
    Math.max(50_000, TRPC_RUNS * 60),
  );
});

// ——— Control characters in any string of any input ———

describe("a control character in any string of any procedure's input", () => {
  /** C0, DEL and C1 controls; line breaks are refused too wherever one line is expected. */
  const CONTROLS = ["\u0000", "\u0007", "\u001b", "\u007f", "\u0085", "\u0008"];

  function stringLeaves(value: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
    if (typeof value === "string") return [path];
    if (Array.isArray(value)) return value.flatMap((item, i) => stringLeaves(item, [...path, i]));
    if (value !== null && typeof value === "object")
      return Object.entries(value).flatMap(([key, item]) => stringLeaves(item, [...path, key]));
    return [];
  }

  function withValueAt(value: unknown, path: Array<string | number>, replace: (old: string) => string): unknown {
    if (path.length === 0) return replace(value as string);
    const [head, ...rest] = path;
    const copy = (Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) }) as Record<
      string | number,
      unknown
    >;
    copy[head!] = withValueAt(copy[head!], rest, replace);
    return copy;
  }

  it("is refused by the schema and answered 400 naming that field (or the union holding it), never a 5xx, for every procedure", async () => {
    const cookie = await h.signIn(own.admin.email, own.admin.password);
    const scope: Record<string, unknown> = {
      facilityId: own.granted.id,
      organisationId: own.organisation.id,
      integrationId: own.integration.id,
    };
    // Only the scope must be real (it is checked before the rest of the input); the field under test is refused at parse.
    const fill = (key: string) =>
      scope[key] ?? (/Ids$/.test(key) ? ["id_sample"] : isIdLike(key) ? "id_sample" : undefined);
    const failures: string[] = [];
    let calls = 0;
    for (const p of listProcedures()) {
      for (const input of buildInputs(p, fill)) {
        for (const [n, leaf] of stringLeaves(input).entries()) {
          const control = CONTROLS[(calls + n) % CONTROLS.length]!;
          const bad = withValueAt(input, leaf, (old) => `${old.slice(0, 1)}${control}${old.slice(1)}`);
          const where = `${p.path} ${leaf.join(".")} ${JSON.stringify(control)}`;
          if (validate(p, bad).ok) failures.push(`${where}: the schema accepts it`);
          const res = await h.trpc(p.type === "query" ? "query" : "mutation", p.path, bad, cookie);
          calls += 1;
          const issues = res.body?.error?.data.issues ?? [];
          const leafPath = leaf.join(".");
          const named = issues.some(
            (issue) => issue.path !== "" && (issue.path === leafPath || leafPath.startsWith(`${issue.path}.`)),
          );
          if (res.status !== 400 || !named) failures.push(`${where}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }
    }
    figures.trpc_cases += calls;
    expect(calls).toBeGreaterThan(30);
    expect(failures).toEqual([]);
  }, 120_000);

  it("is refused in the Hono routes' inputs too", async () => {
    const cookie = await h.signIn(own.admin.email, own.admin.password);
    for (const control of CONTROLS) {
      const res = await h.fetch(
        new Request(
          `http://web.test/api/facilities/${own.granted.id}/activity.csv?search=${encodeURIComponent(`a${control}b`)}`,
          { headers: { cookie } },
        ),
      );
      expect(res.status, JSON.stringify(control)).toBe(400);
      expect(
        ((await res.json()) as { error: { issues: Array<{ path: string }> } }).error.issues.map((i) => i.path),
      ).toEqual(["search"]);
      // An id in a path is looked up, not parsed: it is simply not found.
      const path = await h.fetch(
        new Request(
          `http://web.test/api/facilities/${encodeURIComponent(`${own.granted.id}${control}`)}/activity.csv`,
          { headers: { cookie } },
        ),
      );
      expect(path.status, JSON.stringify(control)).toBe(404);
      // The door's question: its ids and identifiers are refused before the key is even looked at.
      for (const [field, body] of [
        ["userId", { facilityId: own.granted.id, userId: `usr${control}1` }],
        ["facilityId", { facilityId: `${own.granted.id}${control}`, email: "ada@example.com" }],
        ["email", { facilityId: own.granted.id, email: `ada${control}@example.com` }],
      ] as const) {
        const door = await h.fetch(
          new Request("http://api.test/v1/access/check", {
            method: "POST",
            headers: { "content-type": "application/json", authorization: "Bearer nope" },
            body: JSON.stringify(body),
          }),
        );
        expect(door.status, `${field} ${JSON.stringify(control)}`).toBe(400);
        const issues = ((await door.json()) as { error: { issues: Array<{ path: string }> } }).error.issues.map(
          (i) => i.path,
        );
        expect(issues, `${field} ${JSON.stringify(control)}`).toContain(field);
      }
    }
  });
});

// ——— What the receiver accepts, the consumer can apply ———

// ——— The door's check ———

describe("fuzzing POST /v1/access/check", () => {
  const DOOR_STATUSES = [200, 400, 401, 404];
  let doorKey: string;
  let userId: string;

  beforeAll(async () => {
    const key = await newDoorApiKey();
    doorKey = key.key;
    await saveDoorApiKey(db, {
      facilityId: own.granted.id,
      keyHash: key.hash,
      keyPrefix: key.prefix,
      createdBy: null,
      now: Date.now(),
    });
    const [row] = await db
      .insert(accessUser)
      .values({
        id: newId("usr"),
        facilityId: own.granted.id,
        source: "manual",
        firstName: "Door",
        email: "door@example.com",
        mobilePhone: "+447700900555",
        createdAt: Date.now(),
        updatedAt: Date.now(),
      })
      .returning();
    userId = row!.id;
  });

  const doorCase = fc.record({
    body: fc.oneof(
      fc
        .constantFrom("userId", "email", "phone", "none")
        .chain((field) => fc.array(mutation, { maxLength: 3 }).map((mutations) => ({ field, mutations }))),
      anyJson.map((junk) => ({ junk })),
    ),
    facility: fc.constantFrom("own", "other", "unknown"),
    key: fc.constantFrom("valid", "wrong", "missing", "junk"),
    junkKey: headerText,
  });

  it(
    `answers only 200/400/401/404, never a 5xx, and changes nothing (${TRPC_RUNS} cases)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(doorCase, async (c) => {
          const facilityId =
            c.facility === "own" ? own.granted.id : c.facility === "other" ? other.granted.id : "fac_unknown";
          const identifier = { userId, email: "door@example.com", phone: "07700 900555" };
          const body =
            "junk" in c.body
              ? c.body.junk
              : mutate(
                  c.body.field === "none"
                    ? { facilityId }
                    : { facilityId, [c.body.field]: identifier[c.body.field as keyof typeof identifier] },
                  c.body.mutations,
                );
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (c.key === "valid") headers.authorization = `Bearer ${doorKey}`;
          if (c.key === "wrong") headers.authorization = `Bearer ${doorKey.slice(0, -2)}xx`;
          if (c.key === "junk" && c.junkKey) headers.authorization = c.junkKey;
          const before = await fingerprint(db);
          const res = await h.fetch(
            new Request(`${API}/v1/access/check`, { method: "POST", headers, body: toJson(body) }),
          );
          const text = await res.text();
          figures.trpc_cases += 1;
          count(res.status);
          const where = `${toJson(body).slice(0, 200)} (${c.key}) → ${res.status} ${text.slice(0, 200)}`;
          expect(DOOR_STATUSES, where).toContain(res.status);
          const json = JSON.parse(text) as Record<string, unknown>;
          if (res.status === 200) {
            expect(c.key, where).toBe("valid");
            expect(Object.keys(json).sort(), where).toEqual(["allowed", "reason", "until"]);
          } else {
            expect(typeof (json.error as { code?: unknown })?.code, where).toBe("string");
            if (res.status === 404) expect(c.key, where).toBe("valid");
            expect(text).not.toContain(doorKey);
          }
          expect(changedTables(before, await fingerprint(db)), where).toEqual([]);
        }),
        { numRuns: TRPC_RUNS, endOnFailure: true },
      );
    },
    Math.max(90_000, TRPC_RUNS * 300),
  );
});

describe("fuzzing the consumer with accepted events", () => {
  const APPLY_RUNS = Math.max(50, Math.round(fuzzRuns(500) / 5));
  /** Field values that are valid but hard: nasty unicode, quotes and SQL, NUL, long strings. */
  const hardText = (max: number) =>
    fc.oneof(
      { weight: 3, arbitrary: plainText(max) },
      { weight: 2, arbitrary: nastyString.filter((v) => v.length <= Math.max(max, 1) && v.length > 0) },
      { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 60_000 }).map((n) => "'\"".repeat(n / 2).slice(0, n)) },
    );
  const applyCase = fc
    .constantFrom<SyncSource>("integration", "cctv")
    .chain((source) => fc.record({ source: fc.constant(source), event: validEvent(source, hardText) }));

  // A tenant of its own, sources on: the tRPC fuzz above may have rotated or disconnected the other's.
  let t: WebhookTenant;
  beforeAll(async () => {
    t = await createWebhookTenant(db, { sourcesOn: true });
  });

  it(
    `applies every event the receiver accepted: acknowledged, applied once, never retried (${APPLY_RUNS} cases)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(applyCase, async ({ source, event }) => {
          const bytes = utf8(JSON.stringify(event));
          const webhookId = `msg_${crypto.randomUUID()}`;
          h.webhooks.sent.length = 0;
          const url = source === "integration" ? t.integrationUrl : t.cctvUrl;
          const secret = source === "integration" ? t.integration.webhookSecret : t.cctv.webhookSecret;
          const res = await send({
            url,
            body: bytes,
            headers: await signedHeaders(secret, webhookId, nowSeconds(), bytes),
          });
          figures.apply_cases += 1;
          count(res.status);
          const where = `${JSON.stringify(event).slice(0, 300)} → ${res.status} ${res.text.slice(0, 200)}`;
          if (bytes.length > MAX_BODY) {
            expect(res.status, where).toBe(413);
            return;
          }
          expect(res.status, where).toBe(202);
          const messages = h.webhooks.sent.splice(0);
          expect(messages, where).toHaveLength(1);
          const result = await h.deliver("webhooks", [{ id: webhookId, body: messages[0] }]);
          expect(result.retryMessages, where).toEqual([]);
          expect(result.explicitAcks, where).toEqual([webhookId]);
          const [row] = await db
            .select()
            .from(webhookInbox)
            .where(
              and(
                eq(webhookInbox.sender, source === "integration" ? t.integrationSender : t.cctvSender),
                eq(webhookInbox.webhookId, webhookId),
              ),
            );
          expect(row?.state, `${where} ${row?.error ?? ""}`).toBe("applied");
          const entries = await db.select().from(activityEntry).where(eq(activityEntry.webhookId, webhookId));
          expect(entries.length, where).toBeGreaterThan(0);

          // The same event again (a partner's retry under a new id) finds what the first stored, byte for
          // byte: nothing is added or updated a second time, and the person has one row.
          const againId = `msg_${crypto.randomUUID()}`;
          expect(
            (await send({ url, body: bytes, headers: await signedHeaders(secret, againId, nowSeconds(), bytes) }))
              .status,
            where,
          ).toBe(202);
          const again = await h.deliver("webhooks", [{ id: againId, body: h.webhooks.sent.splice(0)[0] }]);
          expect(again.explicitAcks, where).toEqual([againId]);
          const second = await db.select().from(activityEntry).where(eq(activityEntry.webhookId, againId));
          expect(
            second.map((e) => e.outcome).filter((o) => o !== "processed" && o !== "skipped"),
            `${where}: ${JSON.stringify(second.map((e) => [e.outcome, e.reason, e.changes]))}`,
          ).toEqual([]);
          const data = event.data as { external_id?: string; person_id?: string };
          const rows = await db
            .select({ id: accessUser.id })
            .from(accessUser)
            .where(
              and(
                eq(accessUser.facilityId, t.granted.id),
                eq(accessUser.externalId, (data.external_id ?? data.person_id)!),
              ),
            );
          expect(rows.length, where).toBeLessThanOrEqual(1);
        }),
        { numRuns: APPLY_RUNS, endOnFailure: true },
      );
    },
    Math.max(50_000, APPLY_RUNS * 300),
  );
});

// ——— Control characters where text enters (docs/adr/0013-hardening-infra.md) ———

describe("fuzzing control characters in source text", () => {
  const RUNS = Math.max(50, Math.round(fuzzRuns(300) / 6));
  const controlled = fc
    .tuple(
      fc.string({ maxLength: 20 }),
      fc.array(
        fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f),
        { minLength: 1, maxLength: 4 },
      ),
      fc.string({ maxLength: 20 }),
    )
    .map(([before, codes, after]) => `${before}${String.fromCharCode(...codes)}${after}`);

  let t: WebhookTenant;
  beforeAll(async () => {
    t = await createWebhookTenant(db, { sourcesOn: true });
  });

  it(
    `stores no control character from a source's names, and refuses an id holding one (${RUNS} cases)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(controlled, controlled, fc.boolean(), async (name, id, badId) => {
          const externalId = badId ? id : `M-${crypto.randomUUID()}`;
          const event = {
            type: "member.upserted",
            data: {
              external_id: externalId,
              first_name: name,
              last_name: name,
              email: `${crypto.randomUUID()}@example.com`,
              location_ids: ["loc-north"],
              updated_at: "2026-11-24T10:00:00Z",
            },
          };
          const bytes = utf8(JSON.stringify(event));
          const webhookId = `msg_${crypto.randomUUID()}`;
          h.webhooks.sent.length = 0;
          const res = await send({
            url: t.integrationUrl,
            body: bytes,
            headers: await signedHeaders(t.integration.webhookSecret, webhookId, nowSeconds(), bytes),
          });
          const where = `${JSON.stringify(event)} → ${res.status} ${res.text.slice(0, 200)}`;
          if (badId) {
            expect(res.status, where).toBe(400);
            expect(res.text, where).toContain("data.external_id");
            return;
          }
          expect(res.status, where).toBe(202);
          const result = await h.deliver("webhooks", [{ id: webhookId, body: h.webhooks.sent.splice(0)[0] }]);
          expect(result.explicitAcks, where).toEqual([webhookId]);
          const [row] = await db
            .select({ firstName: accessUser.firstName, lastName: accessUser.lastName })
            .from(accessUser)
            .where(and(eq(accessUser.facilityId, t.granted.id), eq(accessUser.externalId, externalId)));
          expect(row, where).toBeDefined();
          for (const value of [row!.firstName, row!.lastName])
            expect(CONTROL_CHARACTER.test(value ?? ""), `${where}: ${JSON.stringify(value)}`).toBe(false);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    },
    Math.max(50_000, RUNS * 400),
  );
});
