import { membershipStatusLabel, titleCase } from "@uas/domain";
import type { ContractRecord } from "../connector";
import type { GlofoxMember } from "./schema";

/** Glofox's `membership.status` values → the product's labels (PAUSED is a hold). */
const STATUS_LABELS: Record<string, string> = {
  ACTIVE: "Active",
  PAUSED: "On hold",
  CANCELLED: "Cancelled",
  CANCELED: "Cancelled",
  EXPIRED: "Expired",
};

export function glofoxStatusLabel(raw: string): string {
  return STATUS_LABELS[raw.trim().toUpperCase()] ?? membershipStatusLabel(raw.toLowerCase());
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();
const orNull = (value: string | null | undefined) => (value === undefined || value === "" ? null : value);

/**
 * A member in the partner contract's listing shape. `person_type` is the lead status title-cased ("Member",
 * "Lead", "Trial", "Client"); `membership_status` the raw membership status (none for a lead).
 */
export function glofoxRecord(member: GlofoxMember, branchId: string): ContractRecord {
  return {
    external_id: member._id,
    first_name: orNull(member.first_name),
    last_name: orNull(member.last_name),
    email: orNull(member.email),
    mobile_phone: orNull(member.phone),
    person_type: member.lead_status ? titleCase(member.lead_status.toLowerCase()) : null,
    membership_status: orNull(member.membership?.status),
    tags: member.membership?.type ? [member.membership.type] : [],
    location_ids: [member.branch_id ?? branchId],
    updated_at: iso(member.modified),
  };
}

/** `active: false` is how Glofox says a member is gone (it has no delete event). */
export function glofoxRemoval(member: GlofoxMember, branchId: string): ContractRecord {
  return { external_id: member._id, location_ids: [member.branch_id ?? branchId], updated_at: iso(member.modified) };
}

/**
 * A listed record that does not read as a member, carried over field by field so the domain's schema names
 * what is wrong (a Skipped entry that keeps the id, so the row is not swept), rather than failing the page.
 */
export function glofoxUnreadable(raw: unknown): ContractRecord {
  const r = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  return {
    external_id: r._id,
    first_name: r.first_name,
    last_name: r.last_name,
    email: r.email,
    mobile_phone: r.phone,
    updated_at: typeof r.modified === "number" ? iso(r.modified) : r.modified,
  };
}
