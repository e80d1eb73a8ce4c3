import { z } from "zod";

/**
 * The source contract's record shapes (partner-contract.md). Unknown fields are dropped, missing
 * optional fields become null, and `updated_at` is required: it orders deliveries.
 */

/** C0 controls (NUL included), DEL and C1 controls: no meaning in a name, an address, a tag or an id. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
const CONTROL_RUNS = /[\u0000-\u001F\u007F-\u009F]+/g;
const WHITESPACE_CONTROL = /[\t\n\v\f\r]/;

// An id with a control character is refused rather than cleaned: cleaning could make two people one.
const anyPersonId = z.string().min(1).max(128);
const personId = anyPersonId.refine((id) => !CONTROL.test(id), "Must not contain control characters (such as NUL)");
// Missing and null are folded to null/[] when mapping (below): a zod transform per field doubled the
// parse time of a listing page.
const optionalText = z.string().nullish();
const optionalList = z.array(z.string()).nullish();
const updatedAt = z.iso.datetime({ offset: true });

export const integrationMemberSchema = z.object({
  external_id: personId,
  first_name: optionalText,
  last_name: optionalText,
  email: optionalText,
  mobile_phone: optionalText,
  person_type: optionalText,
  membership_status: optionalText,
  tags: optionalList,
  location_ids: optionalList,
  updated_at: updatedAt,
});

export const integrationRemovalSchema = z.object({
  external_id: personId,
  location_ids: optionalList,
  updated_at: updatedAt,
});

export const cctvPersonSchema = z.object({
  person_id: personId,
  first_name: optionalText,
  last_name: optionalText,
  email: optionalText,
  mobile_phone: optionalText,
  updated_at: updatedAt,
});

export const cctvRemovalSchema = z.object({ person_id: personId, updated_at: updatedAt });

export const integrationEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("member.upserted"), data: integrationMemberSchema }),
  z.object({ type: z.literal("member.removed"), data: integrationRemovalSchema }),
]);

/**
 * A profile merge at the source, as only the product's own connectors store it in the inbox (never part
 * of the partner contract, whose webhook route refuses it): the kept person's record, plus the external
 * id of the person merged into them, whose rows the kept person takes over.
 */
export const MERGED_EVENT_TYPE = "member.merged";
export const integrationMergedSchema = z.object({
  type: z.literal(MERGED_EVENT_TYPE),
  data: integrationMemberSchema.extend({ merged_external_id: personId }),
});

export const cctvEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("person.identified"), data: cctvPersonSchema }),
  z.object({ type: z.literal("person.removed"), data: cctvRemovalSchema }),
]);

/** One person as a source states them, before normalisation (which depends on the facility). */
export type SourcePerson = {
  externalId: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  mobilePhone: string | null;
  personType: string | null;
  membershipStatus: string | null;
  tags: string[];
  /** The partner's location ids; null for CCTV, whose facility is given by the endpoint. */
  locationIds: string[] | null;
  updatedAt: number;
};

export type SourceRemoval = { externalId: string; locationIds: string[] | null; updatedAt: number };

/**
 * `mergedFrom`: the source merged that person into this one; this person takes over their rows (their
 * admin-owned fields, grants, notes, invitation) before the upsert applies.
 */
export type SourceChange =
  | { kind: "upsert"; person: SourcePerson; mergedFrom?: string }
  | { kind: "removal"; removal: SourceRemoval };

export type SchemaIssue = { path: string; message: string };

export type ParsedListingRecord =
  | { ok: true; person: SourcePerson }
  /** `externalId` is kept when it could be read, so the entry names the person and the row is not swept. */
  | { ok: false; externalId: string | null; issues: SchemaIssue[] };

export type ParsedSourceEvent = { ok: true; change: SourceChange } | { ok: false; issues: SchemaIssue[] };

function issuesOf(error: z.ZodError, prefix: string): SchemaIssue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter((part) => part !== "").join("."),
    message: issue.message,
  }));
}

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as it enters from a source (webhook bodies, listings), made fit to store and search:
 * - JSON may carry an unpaired UTF-16 surrogate ("\ud83d" alone), which is not text: written through
 *   SQLite's JSON functions it becomes invalid UTF-8 that the database cannot read back (the local libSQL
 *   endpoint aborted on it). It becomes U+FFFD, as a lenient UTF-8 decoder does.
 * - Control characters are stripped (docs/adr/0013-hardening-infra.md): a NUL cut the text short in SQLite's
 *   text functions (search could not see past it) and nothing of a name or an address needs one. A run
 *   holding a tab or a line break becomes one space, so "Anne\nMarie" stays two words; the rest go.
 * The same input always maps to the same string, so values still match across events and listings.
 * Quotes and everything else are kept exactly. Ids never get here with a control character (refused).
 */
function withoutLoneSurrogates(value: string): string {
  return SURROGATE.test(value) ? value.replace(LONE_SURROGATE, "\uFFFD") : value;
}

function wellFormed(value: string): string;
function wellFormed(value: string | null | undefined): string | null;
function wellFormed(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  let text = withoutLoneSurrogates(value);
  if (CONTROL.test(text)) text = text.replace(CONTROL_RUNS, (run) => (WHITESPACE_CONTROL.test(run) ? " " : ""));
  return text;
}

const wellFormedList = (values: string[] | null | undefined): string[] => (values ?? []).map((v) => wellFormed(v));

function memberToPerson(data: z.output<typeof integrationMemberSchema>): SourcePerson {
  return {
    externalId: wellFormed(data.external_id),
    firstName: wellFormed(data.first_name),
    lastName: wellFormed(data.last_name),
    email: wellFormed(data.email),
    mobilePhone: wellFormed(data.mobile_phone),
    personType: wellFormed(data.person_type),
    membershipStatus: wellFormed(data.membership_status),
    tags: wellFormedList(data.tags),
    locationIds: wellFormedList(data.location_ids),
    updatedAt: Date.parse(data.updated_at),
  };
}

function cctvToPerson(data: z.output<typeof cctvPersonSchema>): SourcePerson {
  return {
    externalId: wellFormed(data.person_id),
    firstName: wellFormed(data.first_name),
    lastName: wellFormed(data.last_name),
    email: wellFormed(data.email),
    mobilePhone: wellFormed(data.mobile_phone),
    personType: null,
    membershipStatus: null,
    tags: [],
    locationIds: null,
    updatedAt: Date.parse(data.updated_at),
  };
}

function readableId(raw: unknown, key: string): string | null {
  if (typeof raw !== "object" || raw === null) return null;
  const value = (raw as Record<string, unknown>)[key];
  // Loosely: a record whose id is refused still names its row, which must not look missing and be swept.
  return anyPersonId.safeParse(value).success ? withoutLoneSurrogates(value as string) : null;
}

/** The partner contract's member (integration) record: one item of `/members`, or the upsert event's `data`. */
export function parseMemberRecord(raw: unknown): ParsedListingRecord {
  const parsed = integrationMemberSchema.safeParse(raw);
  if (parsed.success) return { ok: true, person: memberToPerson(parsed.data) };
  return { ok: false, externalId: readableId(raw, "external_id"), issues: issuesOf(parsed.error, "") };
}

/** The contract's CCTV person: one item of `/facilities/{id}/people`, or `person.identified`'s `data`. */
export function parseCctvRecord(raw: unknown): ParsedListingRecord {
  const parsed = cctvPersonSchema.safeParse(raw);
  if (parsed.success) return { ok: true, person: cctvToPerson(parsed.data) };
  return { ok: false, externalId: readableId(raw, "person_id"), issues: issuesOf(parsed.error, "") };
}

/** One integration webhook body. Issue paths are those of the body, e.g. `data.email`, for the 400 response. */
export function parseMemberEvent(raw: unknown): ParsedSourceEvent {
  const parsed = integrationEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error, "") };
  const event = parsed.data;
  if (event.type === "member.upserted")
    return { ok: true, change: { kind: "upsert", person: memberToPerson(event.data) } };
  return {
    ok: true,
    change: {
      kind: "removal",
      removal: {
        externalId: wellFormed(event.data.external_id),
        locationIds: wellFormedList(event.data.location_ids),
        updatedAt: Date.parse(event.data.updated_at),
      },
    },
  };
}

/**
 * An integration event as the inbox holds it: the contract's events, or a profile merge a native
 * connector stored (`member.merged`).
 */
export function parseStoredMemberEvent(raw: unknown): ParsedSourceEvent {
  if (typeof raw !== "object" || raw === null || (raw as { type?: unknown }).type !== MERGED_EVENT_TYPE)
    return parseMemberEvent(raw);
  const parsed = integrationMergedSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error, "") };
  const { merged_external_id: mergedFrom, ...record } = parsed.data.data;
  return { ok: true, change: { kind: "upsert", person: memberToPerson(record), mergedFrom: wellFormed(mergedFrom) } };
}

/** One CCTV webhook body. */
export function parseCctvEvent(raw: unknown): ParsedSourceEvent {
  const parsed = cctvEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error, "") };
  const event = parsed.data;
  if (event.type === "person.identified")
    return { ok: true, change: { kind: "upsert", person: cctvToPerson(event.data) } };
  return {
    ok: true,
    change: {
      kind: "removal",
      removal: {
        externalId: wellFormed(event.data.person_id),
        locationIds: null,
        updatedAt: Date.parse(event.data.updated_at),
      },
    },
  };
}

/** The entry reason for a record that failed the contract's schema. */
export function invalidRecordReason(issues: readonly SchemaIssue[]): string {
  const detail = issues
    .slice(0, 3)
    .map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message))
    .join("; ");
  return `The source record does not match the contract (${detail})`;
}
