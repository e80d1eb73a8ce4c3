import {
  FIRST_NAMES,
  LAST_NAMES,
  createRng,
  emailSlug,
  fictionalMobile,
  generatedModifiedMs,
  seededUuid,
} from "../shared/rng";
import { day, type Customer, type CustomerRole, type Enrollment, type EnrollmentStatus, type Plan } from "./types";

export const DEFAULT_COMPANY_ID = "cmp_8f2d1c0e-northside";
const DAY = 24 * 3600 * 1000;

/** The company's plans (`GET /plans/{id}`); enrollments point at them by `planId`. */
export function plans(companyId: string): Plan[] {
  const policies = (allow24HourAccess: boolean) => ({
    allowClassCheckins: true,
    allowOpenGymCheckins: true,
    allow24HourAccess,
  });
  return [
    {
      id: "plan_unlimited",
      name: "Unlimited 24/7",
      companyId,
      recurrenceDetails: { type: "recurring" },
      policies: policies(true),
      category: { name: "Memberships" },
    },
    {
      id: "plan_offpeak",
      name: "Off-Peak",
      companyId,
      recurrenceDetails: { type: "recurring" },
      policies: policies(false),
      category: { name: "Memberships" },
    },
    {
      id: "plan_10pack",
      name: "10 Class Pack",
      companyId,
      recurrenceDetails: { type: "session-pack", occurrences: 10 },
      policies: policies(false),
      category: { name: "Packs" },
    },
  ];
}
const PLAN_IDS = ["plan_unlimited", "plan_unlimited", "plan_offpeak", "plan_10pack"] as const;
const EMPTY_ADDRESS = { line1: "", line2: "", city: "", country: "", state: "", zip: "" };

export interface GeneratedCompany {
  customers: Customer[];
  enrollments: Enrollment[];
}

/** Deterministic customers (about 5% linked to a household's primary account, sharing its email) and their enrollments. */
export function generateCustomers(options: { seed: number; count: number; companyId: string }): GeneratedCompany {
  const { seed, count, companyId } = options;
  const rng = createRng(seed);
  const customers: Customer[] = new Array(count);
  const enrollments: Enrollment[] = [];
  for (let i = 0; i < count; i++) {
    const first = rng.pick(FIRST_NAMES);
    const primary = i > 0 && rng.next() < 0.05 ? customers[i - 1 - rng.int(Math.min(i, 20))] : undefined;
    const householdPrimary = primary && primary.account.type === "primary" ? primary : undefined;
    const last = householdPrimary?.name.last ?? rng.pick(LAST_NAMES);
    const role = rng.weighted<CustomerRole>([
      ["member", 0.7],
      ["ex-member", 0.12],
      ["non-member", 0.08],
      ["lead", 0.08],
      ["coach", 0.01],
      ["frontdesk", 0.01],
    ]);
    const since = generatedModifiedMs(rng) - rng.int(700) * DAY;
    const id = seededUuid(rng);
    customers[i] = {
      id,
      companyId,
      name: { first, last, nickname: null },
      gender: null,
      dob: null,
      address: EMPTY_ADDRESS,
      account: householdPrimary ? { type: "linked", primaryCustomerId: householdPrimary.id } : { type: "primary" },
      membershipDetails: role === "member" || role === "ex-member" ? { initialMembershipStartDate: day(since) } : null,
      email: householdPrimary?.email ?? `${emailSlug(first)}.${emailSlug(last)}${i}@example.com`,
      phone: rng.next() < 0.85 ? fictionalMobile(rng) : null,
      role,
    };
    if (role === "member" || role === "ex-member") {
      const status =
        role === "member"
          ? rng.weighted<EnrollmentStatus>([
              ["active", 0.8],
              ["alert", 0.08],
              ["paused", 0.06],
              ["pendcancel", 0.04],
              ["pendactivation", 0.02],
            ])
          : rng.weighted<EnrollmentStatus>([
              ["canceled", 0.7],
              ["completed", 0.3],
            ]);
      const paidUntil =
        role === "member" ? generatedModifiedMs(rng) + (20 + rng.int(40)) * DAY : generatedModifiedMs(rng) - 30 * DAY;
      enrollments.push({
        ...enrollment(seededUuid(rng), id, companyId, status, since, paidUntil, role === "member" ? null : paidUntil),
        planId: rng.pick(PLAN_IDS),
      });
    }
  }
  return { customers, enrollments };
}

export function enrollment(
  id: string,
  customerId: string,
  companyId: string,
  status: EnrollmentStatus,
  startMs: number,
  paidUntilMs: number,
  endMs: number | null,
): Enrollment {
  return {
    id,
    customerId,
    companyId,
    planId: "plan_unlimited",
    billingSchedule: { period: "month", interval: 1 },
    status,
    startDate: day(startMs),
    endDate: endMs === null ? null : day(endMs),
    lastCharge: day(paidUntilMs - 30 * DAY),
    nextCharge: endMs === null ? day(paidUntilMs) : null,
    paidUntil: day(paidUntilMs),
    checkinDetails: { checkins: 0, limit: -1 },
    entitlements: [],
  };
}
