import { membershipStatusLabel } from "@uas/domain";
import { z } from "zod";
import type { ContractRecord } from "../connector";

/** PushPress API v3's customer: the fields the sync reads (names as the official SDK's model has them). */
export const pushpressCustomerSchema = z.object({
  id: z.string().min(1),
  companyId: z.string().min(1),
  name: z.object({ first: z.string().nullish(), last: z.string().nullish() }),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  role: z.string().nullish(),
  account: z
    .union([
      z.object({ type: z.literal("primary") }),
      z.object({ type: z.literal("linked"), primaryCustomerId: z.string() }),
    ])
    .nullish(),
});
export type PushPressCustomer = z.output<typeof pushpressCustomerSchema>;

const STAFF_ROLES = new Set(["superuser", "admin", "coach", "frontdesk"]);

/** An ex-member has left: a removal at the source, never a row. */
export function isRemovedRole(role: string | null | undefined): boolean {
  return role === "ex-member";
}

/** The role is the person type; the four staff roles are one type, "staff". */
export function personTypeOf(role: string | null | undefined): string | null {
  if (!role) return null;
  return STAFF_ROLES.has(role) ? "staff" : role;
}

/**
 * The customer, in the contract's shape. The listing has no membership status of its own (enrollments are a
 * separate listing, a call per customer to join), so `membership_status` carries the role, which PushPress
 * keeps in step with the customer's enrollments (member while one is active, ex-member after the last ends).
 */
export function customerRecord(customer: PushPressCustomer, updatedAt: string): ContractRecord {
  return {
    external_id: customer.id,
    first_name: customer.name.first ?? null,
    last_name: customer.name.last ?? null,
    email: customer.email ?? null,
    mobile_phone: customer.phone ?? null,
    person_type: personTypeOf(customer.role),
    membership_status: customer.role ?? null,
    tags: customer.account?.type === "linked" ? ["household"] : null,
    location_ids: [customer.companyId],
    updated_at: updatedAt,
  };
}

export function removalRecord(customerId: string, companyId: string | undefined, updatedAt: string): ContractRecord {
  return { external_id: customerId, location_ids: companyId ? [companyId] : [], updated_at: updatedAt };
}

/**
 * Roles and enrollment statuses in the product's words: a member is "Active"; an enrollment that is paused is
 * "On hold", canceled "Cancelled", completed "Expired", pendactivation "Pending", pendcancel still "Active"
 * (paid up until its end date); alert (a failed payment), non-member, lead and the rest are title-cased.
 */
const LABELS: Record<string, string> = {
  member: "Active",
  active: "Active",
  paused: "On hold",
  canceled: "Cancelled",
  completed: "Expired",
  pendactivation: "Pending",
  pendcancel: "Active",
};

export function pushpressStatusLabel(raw: string): string {
  return LABELS[raw.trim().toLowerCase()] ?? membershipStatusLabel(raw);
}
