/** Field names and values of PushPress API v3 as the official SDK's models have them (see README). */
export const CUSTOMER_ROLES = [
  "superuser",
  "admin",
  "coach",
  "frontdesk",
  "member",
  "non-member",
  "ex-member",
  "lead",
] as const;
export type CustomerRole = (typeof CUSTOMER_ROLES)[number];

export const ENROLLMENT_STATUSES = [
  "active",
  "alert",
  "canceled",
  "completed",
  "paused",
  "pendactivation",
  "pendcancel",
] as const;
export type EnrollmentStatus = (typeof ENROLLMENT_STATUSES)[number];

export interface Customer {
  id: string;
  companyId: string;
  name: { first: string; last: string; nickname: string | null };
  gender: "male" | "female" | null;
  dob: string | null;
  address: { line1: string; line2: string; city: string; country: string; state: string; zip: string };
  assignedToStaffId?: string | null;
  /** Households: a linked account belongs to a primary one (and often shares its email). */
  account: { type: "primary" } | { type: "linked"; primaryCustomerId: string };
  profileImage?: string | null;
  membershipDetails: { initialMembershipStartDate: string | null } | null;
  email: string;
  phone?: string | null;
  role?: CustomerRole | null;
}

export interface Enrollment {
  id: string;
  customerId: string;
  companyId: string;
  planId?: string | null;
  billingSchedule: { period: "day" | "week" | "month" | "year" | "once"; interval: number };
  status: EnrollmentStatus;
  startDate?: string | null;
  endDate?: string | null;
  lastCharge?: string | null;
  nextCharge?: string | null;
  paidUntil?: string | null;
  checkinDetails: { checkins: number; limit: number };
  entitlements: Array<{
    type: string;
    id: string;
    interval: string;
    quantity: number;
    metadata: Record<string, never>;
  }>;
}

export interface Company {
  id: string;
  name: string;
  subdomain: string;
  address: {
    city: string;
    state: string;
    postalCode: string;
    country: { name: string; iso: string };
    line1: string;
    line2: string;
  };
  defaultTimezone: string;
  phone: string | null;
  email: string;
  url: string;
}

export const WEBHOOK_EVENT_TYPES = [
  "appointment.scheduled",
  "appointment.rescheduled",
  "appointment.noshowed",
  "appointment.canceled",
  "checkin.created",
  "checkin.updated",
  "checkin.deleted",
  "class.canceled",
  "customer.created",
  "customer.details.changed",
  "customer.status.changed",
  "customer.deleted",
  "enrollment.created",
  "enrollment.status.changed",
  "enrollment.deleted",
  "memberapp.updated",
  "reservation.created",
  "reservation.waitlisted",
  "reservation.canceled",
  "reservation.noshowed",
  "app.installed",
  "app.uninstalled",
] as const;

/** `YYYY-MM-DD` (PushPress dates). */
export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface Plan {
  id: string;
  name: string;
  companyId: string;
  recurrenceDetails:
    | { type: "recurring" }
    | { type: "non-recurring" }
    | { type: "session-pack"; occurrences: number }
    | { type: "limited-recurring"; occurrences: number };
  policies: { allowClassCheckins: boolean; allowOpenGymCheckins: boolean; allow24HourAccess: boolean };
  category: { name: string };
}
