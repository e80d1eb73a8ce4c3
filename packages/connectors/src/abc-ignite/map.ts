import { membershipStatusLabel } from "@uas/domain";
import type { ContractRecord } from "../connector";
import { parseClubTime } from "./club-time";
import type { AbcMember } from "./schema";

/** Past due rides on the raw status so the user panel shows both: "Active, past due". */
export const PAST_DUE_SUFFIX = ", past due";

/**
 * ABC's `memberStatus` and `agreement.isPastDue` → the product's labels. Frozen is a hold; a member whose
 * agreement is past due is "Past Due" whatever the status says, so an access rule can deny them.
 */
export function abcStatusLabel(raw: string): string {
  if (raw.toLowerCase().endsWith(PAST_DUE_SUFFIX)) return "Past Due";
  if (raw.trim().toLowerCase() === "frozen") return "On hold";
  return membershipStatusLabel(raw);
}

export function abcMembershipStatus(member: AbcMember): string | null {
  const status = member.personal.memberStatus || null;
  if (member.agreement?.isPastDue) return `${status ?? "Unknown"}${PAST_DUE_SUFFIX}`;
  return status;
}

const orNull = (value: string | null | undefined) => (value === undefined || value === "" ? null : value);

function updatedAt(member: AbcMember, timeZone: string): string {
  const ms = parseClubTime(member.personal.lastModifiedTimestamp, timeZone);
  // An unreadable timestamp is handed on as it is: the domain names `updated_at` in a Skipped entry.
  return Number.isNaN(ms) ? member.personal.lastModifiedTimestamp : new Date(ms).toISOString();
}

/**
 * A member in the partner contract's listing shape; `joinStatus` (Member, Prospect) is the person type. The
 * location is the club whose listing the member came from (the location map maps clubs to facilities).
 */
export function abcRecord(member: AbcMember, clubNumber: string, timeZone: string): ContractRecord {
  return {
    external_id: member.memberId,
    first_name: orNull(member.personal.firstName),
    last_name: orNull(member.personal.lastName),
    email: orNull(member.personal.email),
    mobile_phone: orNull(member.personal.primaryPhone),
    person_type: orNull(member.personal.joinStatus),
    membership_status: abcMembershipStatus(member),
    tags: member.agreement?.membershipType ? [member.agreement.membershipType] : [],
    location_ids: [clubNumber],
    updated_at: updatedAt(member, timeZone),
  };
}

export function abcRemoval(member: AbcMember, clubNumber: string, timeZone: string): ContractRecord {
  return {
    external_id: member.memberId,
    location_ids: [clubNumber],
    updated_at: updatedAt(member, timeZone),
  };
}

/** A listed member that does not read, carried over so the domain's schema names the field. */
export function abcUnreadable(raw: unknown): ContractRecord {
  const r = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  const personal = typeof r.personal === "object" && r.personal !== null ? (r.personal as Record<string, unknown>) : {};
  return {
    external_id: r.memberId,
    first_name: personal.firstName,
    last_name: personal.lastName,
    updated_at: personal.lastModifiedTimestamp,
  };
}
