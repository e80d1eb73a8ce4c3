import type { IncomingMessage, ServerResponse } from "node:http";
import { notFound, pathSegments, readJson, sendError, sendJson } from "./http";
import type { PartnerContext } from "./server";
import type { RecordStore } from "./store";
import type { CctvPerson, Member } from "./types";
import type { Faults, ListingTarget } from "./faults";

export const MAX_BURST = 5000;

/**
 * The demo's remote control: change people as the partner's own staff would, so every change is pushed
 * to the product as a signed webhook (when a target is configured).
 *   POST /control/members                         add, or change when `external_id` exists (fields merged)
 *   POST /control/members/{id}/remove             remove
 *   POST /control/burst?n=100                     n changes at once (existing members first, then new ones)
 *   POST /control/cctv/{facilityId}/people        add or change a CCTV person
 *   POST /control/cctv/{facilityId}/people/{id}/remove
 *   GET  /control/webhooks                        what the pushers did
 *   GET  /control/faults                          the live fault settings
 *   POST /control/faults                          replace them (`{}` clears every fault)
 */
export async function handleControl(
  ctx: PartnerContext,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const segments = pathSegments(url.pathname)?.slice(1);
  if (segments === undefined) return notFound(res);
  const [first, second, third, fourth, fifth, ...rest] = segments;

  if (req.method === "GET" && first === "webhooks" && second === undefined)
    return sendJson(res, 200, ctx.webhookStatus());
  if (req.method === "GET" && first === "faults" && second === undefined) return sendJson(res, 200, ctx.faults);
  if (req.method !== "POST")
    return sendError(res, 405, "method_not_allowed", "Control endpoints take POST", { Allow: "POST" });

  if (first === "members") {
    if (second === undefined) return upsert(req, res, ctx.members, newMember(ctx.members));
    if (third === "remove" && fourth === undefined) return remove(res, ctx.members, second);
  }
  if (first === "burst" && second === undefined) return burst(res, ctx, url.searchParams.get("n"));
  if (first === "faults" && second === undefined) return setFaults(req, res, ctx.faults);
  if (first === "cctv" && second !== undefined && third === "people" && rest.length === 0) {
    const store = ctx.cctv.get(second);
    if (store === undefined) return notFound(res, "Unknown facility");
    if (fourth === undefined) return upsert(req, res, store, newCctvPerson(store, second));
    if (fifth === "remove") return remove(res, store, fourth);
  }
  return notFound(res);
}

/** Changes carry "now" as their `updated_at` unless the caller sets one (to send a stale event on purpose). */
async function upsert<T extends object>(
  req: IncomingMessage,
  res: ServerResponse,
  store: RecordStore<T>,
  fresh: () => T,
): Promise<void> {
  const body = await readJson(req);
  if (body === undefined || typeof body.value !== "object" || body.value === null || Array.isArray(body.value)) {
    return sendError(res, 400, "invalid_request", "Expected a JSON object of fields");
  }
  const patch = body.value as Partial<T> & Record<string, unknown>;
  const base = fresh();
  const keyField = "external_id" in base ? "external_id" : "person_id";
  const id = patch[keyField];
  const existing = typeof id === "string" ? store.get(id) : undefined;
  const record: Record<string, unknown> = { ...(existing ?? base), ...pick(patch, Object.keys(base)) };
  if (typeof id === "string") record[keyField] = id;
  if (patch.updated_at === undefined) record.updated_at = nowIso();
  try {
    const stored = store.upsert(record as T);
    sendJson(res, existing ? 200 : 201, { record: stored });
  } catch (error) {
    sendError(res, 400, "invalid_request", (error as Error).message);
  }
}

/**
 * Replaces the live faults (the server reads them on every request), so a test in another process
 * (the Worker tests run inside workerd) can fail page k, time out, or answer malformed pages.
 */
async function setFaults(req: IncomingMessage, res: ServerResponse, faults: Faults): Promise<void> {
  const body = await readJson(req);
  const parsed = body === undefined ? undefined : parseFaults(body.value);
  if (parsed === undefined) {
    return sendError(
      res,
      400,
      "invalid_request",
      'Expected {"delayMs"?, "failPage"?: {page, target?, times?, status?}, "malformedPage"?: {page, target?, times?, kind?}}',
    );
  }
  for (const key of Object.keys(faults) as Array<keyof Faults>) delete faults[key];
  Object.assign(faults, parsed);
  sendJson(res, 200, faults);
}

function parseFaults(value: unknown): Faults | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const input = value as Record<string, unknown>;
  if (Object.keys(input).some((key) => !["delayMs", "failPage", "malformedPage"].includes(key))) return undefined;
  const faults: Faults = {};
  if (input.delayMs !== undefined) {
    if (!isInt(input.delayMs, 0, 600_000)) return undefined;
    faults.delayMs = input.delayMs;
  }
  for (const key of ["failPage", "malformedPage"] as const) {
    const raw = input[key];
    if (raw === undefined) continue;
    if (typeof raw !== "object" || raw === null) return undefined;
    const fault = raw as Record<string, unknown>;
    if (!isInt(fault.page, 1, 1_000_000)) return undefined;
    if (fault.target !== undefined && fault.target !== "members" && fault.target !== "cctv") return undefined;
    if (fault.times !== undefined && !isInt(fault.times, 1, 1_000_000)) return undefined;
    const target = fault.target as ListingTarget | undefined;
    const base = { page: fault.page, ...(target ? { target } : {}), ...(fault.times ? { times: fault.times } : {}) };
    if (key === "failPage") {
      if (fault.status !== undefined && fault.status !== 500 && fault.status !== 503) return undefined;
      faults.failPage = { ...base, ...(fault.status ? { status: fault.status } : {}) };
    } else {
      if (fault.kind !== undefined && fault.kind !== "truncated-json" && fault.kind !== "wrong-shape") return undefined;
      faults.malformedPage = { ...base, ...(fault.kind ? { kind: fault.kind } : {}) };
    }
  }
  return faults;
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

function remove<T>(res: ServerResponse, store: RecordStore<T>, id: string): void {
  const removed = store.remove(id);
  if (removed === undefined) return notFound(res, "No such person");
  sendJson(res, 200, { removed });
}

function burst(res: ServerResponse, ctx: PartnerContext, raw: string | null): void {
  const n = raw === null ? 100 : /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(n >= 1 && n <= MAX_BURST))
    return sendError(res, 400, "invalid_request", `n must be an integer from 1 to ${MAX_BURST}`);
  const existing = ctx.members.list().slice(0, n);
  const at = nowIso();
  for (const member of existing) {
    const tags = member.tags.includes("burst")
      ? member.tags.filter((tag) => tag !== "burst")
      : [...member.tags, "burst"].sort();
    ctx.members.upsert({ ...member, tags, updated_at: at });
  }
  const make = newMember(ctx.members);
  for (let i = existing.length; i < n; i++) ctx.members.upsert({ ...make(), updated_at: at });
  sendJson(res, 200, { changed: existing.length, added: n - existing.length });
}

function newMember(store: RecordStore<Member>): () => Member {
  let last = store.list().reduce((max, m) => Math.max(max, Number(/^M-(\d+)$/.exec(m.external_id)?.[1] ?? 0)), 1000);
  return () => {
    last += 1;
    const n = last;
    return {
      external_id: `M-${n}`,
      first_name: "New",
      last_name: `Member ${n}`,
      email: `new.member${n}@example.com`,
      mobile_phone: null,
      person_type: "member",
      membership_status: "active",
      tags: [],
      location_ids: ["loc-north"],
      updated_at: nowIso(),
    };
  };
}

function newCctvPerson(store: RecordStore<CctvPerson>, facilityId: string): () => CctvPerson {
  return () => {
    const n = store.size + 1;
    return {
      person_id: `cv-new-${facilityId.slice(-4)}-${n}-${Date.now().toString(36)}`,
      first_name: "New",
      last_name: `Visitor ${n}`,
      email: `new.visitor${n}@example.com`,
      mobile_phone: null,
      updated_at: nowIso(),
    };
  };
}

function pick(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

function nowIso(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}
