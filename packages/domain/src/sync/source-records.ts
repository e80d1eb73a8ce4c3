import { z } from "zod";
import type { SyncSource } from "../vocabulary";

/**
 * The source contract's record shapes (partner-contract.md). Unknown fields are dropped, missing
 * optional fields become null, and `updated_at` is required: it orders deliveries.
 */

const personId = z.string().min(1).max(128);
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

export type SourceChange = { kind: "upsert"; person: SourcePerson } | { kind: "removal"; removal: SourceRemoval };

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

function memberToPerson(data: z.output<typeof integrationMemberSchema>): SourcePerson {
  return {
    externalId: data.external_id,
    firstName: data.first_name ?? null,
    lastName: data.last_name ?? null,
    email: data.email ?? null,
    mobilePhone: data.mobile_phone ?? null,
    personType: data.person_type ?? null,
    membershipStatus: data.membership_status ?? null,
    tags: data.tags ?? [],
    locationIds: data.location_ids ?? [],
    updatedAt: Date.parse(data.updated_at),
  };
}

function cctvToPerson(data: z.output<typeof cctvPersonSchema>): SourcePerson {
  return {
    externalId: data.person_id,
    firstName: data.first_name ?? null,
    lastName: data.last_name ?? null,
    email: data.email ?? null,
    mobilePhone: data.mobile_phone ?? null,
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
  return personId.safeParse(value).success ? (value as string) : null;
}

/** One item of a listing page (the same shape as the upsert event's `data`). */
export function parseListingRecord(source: SyncSource, raw: unknown): ParsedListingRecord {
  if (source === "integration") {
    const parsed = integrationMemberSchema.safeParse(raw);
    if (parsed.success) return { ok: true, person: memberToPerson(parsed.data) };
    return { ok: false, externalId: readableId(raw, "external_id"), issues: issuesOf(parsed.error, "") };
  }
  const parsed = cctvPersonSchema.safeParse(raw);
  if (parsed.success) return { ok: true, person: cctvToPerson(parsed.data) };
  return { ok: false, externalId: readableId(raw, "person_id"), issues: issuesOf(parsed.error, "") };
}

/** One webhook body. Issue paths are those of the body, e.g. `data.email`, for the 400 response. */
export function parseSourceEvent(source: SyncSource, raw: unknown): ParsedSourceEvent {
  if (source === "integration") {
    const parsed = integrationEventSchema.safeParse(raw);
    if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error, "") };
    const event = parsed.data;
    if (event.type === "member.upserted") return { ok: true, change: { kind: "upsert", person: memberToPerson(event.data) } };
    return {
      ok: true,
      change: {
        kind: "removal",
        removal: {
          externalId: event.data.external_id,
          locationIds: event.data.location_ids ?? [],
          updatedAt: Date.parse(event.data.updated_at),
        },
      },
    };
  }
  const parsed = cctvEventSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error, "") };
  const event = parsed.data;
  if (event.type === "person.identified") return { ok: true, change: { kind: "upsert", person: cctvToPerson(event.data) } };
  return {
    ok: true,
    change: {
      kind: "removal",
      removal: { externalId: event.data.person_id, locationIds: null, updatedAt: Date.parse(event.data.updated_at) },
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
