/**
 * Every tRPC procedure of the router, found at test time, and a plausible input for each built from its
 * own zod schemas (tRPC v11 keeps them in `procedure._def.inputs`). Id-like fields (`facilityId`,
 * `userIds`, …) take values from the caller's map; a field the builder cannot fill throws, so a new
 * procedure is never skipped in silence.
 */
import { appRouter } from "../src/trpc/app-router";

export type ProcedureInfo = { path: string; type: "query" | "mutation" | "subscription"; inputs: ZodLike[] };

type ZodLike = { _zod: { def: Def }; safeParse(value: unknown): { success: boolean; error?: { issues: unknown[] } } };
type Def = Record<string, unknown> & { type: string; checks?: Array<{ _zod: { def: Record<string, unknown> } }> };

export function listProcedures(): ProcedureInfo[] {
  const def = (appRouter as unknown as { _def: { procedures: Record<string, unknown>; lazy: Record<string, unknown> } })
    ._def;
  const lazy = Object.keys(def.lazy);
  if (lazy.length > 0) throw new Error(`lazy routers are not enumerated yet: ${lazy.join(", ")}`);
  return Object.entries(def.procedures)
    .map(([path, procedure]) => {
      const pd = (procedure as { _def: { type: ProcedureInfo["type"]; inputs?: ZodLike[] } })._def;
      return { path, type: pd.type, inputs: pd.inputs ?? [] };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

export class CannotBuildInput extends Error {
  constructor(path: Array<string | number>, reason: string) {
    super(`cannot build an input at ${path.join(".") || "(root)"}: ${reason}`);
    this.name = "CannotBuildInput";
  }
}

/** `id`, `…Id` and `…Ids`: fields that address a tenant's objects. */
export const isIdLike = (key: string) => key === "id" || /[a-z]Ids?$/.test(key);

/** What a caller supplies: a value for a field by name (ids, tokens), or undefined to let the builder choose. */
export type Fill = (key: string, path: Array<string | number>) => unknown;

/** At most this many alternatives per procedure (one per union variant, combined across unions). */
const MAX_ALTERNATIVES = 32;

/**
 * The merged input of every `.input()` of a procedure (tRPC parses the raw input with each), once per
 * variant of each union in it: `scope: all | integration` gives two inputs.
 */
export function buildInputs(procedure: ProcedureInfo, fill: Fill): unknown[] {
  if (procedure.inputs.length === 0) return [undefined];
  const parts = procedure.inputs.map((schema) => sample(schema, [], fill));
  const combos = cartesian(parts);
  return combos.map((combo) => {
    if (combo.length === 1) return combo[0];
    if (!combo.every((p) => typeof p === "object" && p !== null && !Array.isArray(p))) {
      throw new CannotBuildInput([], "several inputs that are not all objects");
    }
    return Object.assign({}, ...combo);
  });
}

function cartesian(lists: unknown[][]): unknown[][] {
  let out: unknown[][] = [[]];
  for (const list of lists) {
    out = out.flatMap((prefix) => list.map((item) => [...prefix, item])).slice(0, MAX_ALTERNATIVES);
  }
  return out;
}

/** Whether every input schema of the procedure accepts the value, and the issues when not. */
export function validate(procedure: ProcedureInfo, value: unknown): { ok: boolean; issues: unknown[] } {
  const issues: unknown[] = [];
  for (const schema of procedure.inputs) {
    const result = schema.safeParse(value);
    if (!result.success) issues.push(...(result.error?.issues ?? []));
  }
  return { ok: issues.length === 0, issues };
}

function checksOf(def: Def): Array<Record<string, unknown>> {
  return (def.checks ?? []).map((c) => c._zod.def);
}

/** Every alternative value for the schema (more than one only through unions). */
function sample(schema: ZodLike, path: Array<string | number>, fill: Fill): unknown[] {
  const def = schema._zod.def;
  const last = path[path.length - 1];
  const key = [...path].reverse().find((p): p is string => typeof p === "string") ?? "";
  const direct = typeof last === "string" ? fill(key, path) : undefined;
  if (direct !== undefined) return [direct];
  if (typeof last === "string" && isIdLike(key) && !["object", "union"].includes(def.type)) {
    throw new CannotBuildInput(path, `no value for the id-like field "${key}" (add it to the tenant's id map)`);
  }

  switch (def.type) {
    case "object": {
      const entries = Object.entries(def.shape as Record<string, ZodLike>);
      const children = entries.map(([child, childSchema]) => sample(childSchema, [...path, child], fill));
      return cartesian(children).map((values) => Object.fromEntries(values.map((v, i) => [entries[i]![0], v])));
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "nonoptional":
    case "catch":
      return sample(def.innerType as ZodLike, path, fill);
    case "lazy":
      return sample((def.getter as () => ZodLike)(), path, fill);
    case "pipe": {
      const out = def.out as ZodLike;
      // A transform's input is the pipe's input; a pipe into another schema (`.pipe(z.url())`) must satisfy both.
      return out._zod.def.type === "transform" ? sample(def.in as ZodLike, path, fill) : sample(out, path, fill);
    }
    case "string":
      return [sampleString(def, key, path)];
    case "number":
      return [sampleNumber(def, path)];
    case "boolean":
      return [true];
    case "enum":
      return [Object.values(def.entries as Record<string, unknown>)[0]];
    case "literal":
      return [(def.values as unknown[])[0]];
    case "null":
      return [null];
    case "array": {
      const min = Number(checksOf(def).find((c) => c.check === "min_length")?.minimum ?? 1);
      const items = Array.from({ length: Math.max(1, min) }, (_, i) =>
        sample(def.element as ZodLike, [...path, i], fill),
      );
      return cartesian(items);
    }
    case "union":
      return (def.options as ZodLike[]).flatMap((option) => sample(option, path, fill)).slice(0, MAX_ALTERNATIVES);
    case "record":
      return [{}];
    case "any":
    case "unknown":
      return ["sample"];
    default:
      throw new CannotBuildInput(path, `unsupported zod type "${def.type}"`);
  }
}

function sampleString(def: Def, key: string, path: Array<string | number>): string {
  const checks = checksOf(def);
  // A regex check is the shared "no control characters" rule (src/inputs.ts): plain letters pass it.
  const formats = [def.format, ...checks.filter((c) => c.check === "string_format").map((c) => c.format)].filter(
    (f) => f && f !== "regex",
  );
  const min = Math.max(0, ...checks.filter((c) => c.check === "min_length").map((c) => Number(c.minimum)));
  const max = Math.min(10_000, ...checks.filter((c) => c.check === "max_length").map((c) => Number(c.maximum)));
  let value: string;
  if (formats.includes("url") || /url$/i.test(key)) value = "https://partner.example.com";
  else if (formats.includes("email") || /email/i.test(key)) value = "sample.person@example.com";
  else if (/phone/i.test(key)) value = "+447700900123";
  else if (formats.length > 0) throw new CannotBuildInput(path, `string format ${formats.join(", ")}`);
  else value = "Sample";
  if (value.length < min) value = value.padEnd(min, "x");
  if (value.length > max) value = value.slice(0, max);
  return value;
}

function sampleNumber(def: Def, path: Array<string | number>): number {
  const checks = checksOf(def);
  let min = -Infinity;
  let max = Infinity;
  for (const c of checks) {
    if (c.check === "greater_than") min = Math.max(min, Number(c.value) + (c.inclusive ? 0 : 1));
    if (c.check === "less_than") max = Math.min(max, Number(c.value) - (c.inclusive ? 0 : 1));
  }
  const value = Math.max(min, Math.min(max, 1));
  if (!Number.isFinite(value)) throw new CannotBuildInput(path, "a number with no possible value");
  return value;
}
