import { seededUuid, createRng } from "../shared/rng";
import { RecordStore } from "../shared/store";
import { enrollment, generateCustomers } from "./generate";
import {
  CUSTOMER_ROLES,
  ENROLLMENT_STATUSES,
  day,
  type Company,
  type Customer,
  type CustomerRole,
  type Enrollment,
  type EnrollmentStatus,
} from "./types";
import type { WebhookRegistry } from "./webhooks";

export class CompanyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CustomerPatch {
  id?: string;
  first?: string;
  last?: string;
  email?: string;
  phone?: string | null;
  role?: CustomerRole;
  primaryCustomerId?: string | null;
}

export interface EnrollmentPatch {
  id?: string;
  status?: EnrollmentStatus;
  paidUntil?: string | null;
  endDate?: string | null;
  planId?: string;
}

const DAY = 24 * 3600 * 1000;

/** One PushPress company: its customers and enrollments, each change announced as a webhook event. */
export class PushPressCompany {
  readonly customers: RecordStore<Customer>;
  readonly enrollments: RecordStore<Enrollment>;
  #ids = createRng(Date.now() >>> 0);
  onChange: () => void = () => {};

  constructor(
    readonly company: Company,
    data: { customers: Customer[]; enrollments: Enrollment[] },
    private readonly webhooks: WebhookRegistry,
    private readonly now: () => number,
  ) {
    this.customers = new RecordStore((c) => c.id, data.customers);
    this.enrollments = new RecordStore((e) => e.id, data.enrollments);
  }

  generate(count: number, seed: number): void {
    const data = generateCustomers({ seed, count, companyId: this.company.id });
    this.customers.replaceAll(data.customers);
    this.enrollments.replaceAll(data.enrollments);
    this.onChange();
  }

  enrollmentsOf(customerId: string): Enrollment[] {
    return this.enrollments.list().filter((e) => e.customerId === customerId);
  }

  /** customer.created, or customer.status.changed when the role changes, else customer.details.changed. */
  upsertCustomer(patch: CustomerPatch): { customer: Customer; created: boolean } {
    const existing = patch.id === undefined ? undefined : this.customers.get(patch.id);
    if (patch.role !== undefined && !(CUSTOMER_ROLES as readonly string[]).includes(patch.role))
      throw new CompanyError(400, `role must be one of ${CUSTOMER_ROLES.join(", ")}`);
    for (const key of ["first", "last", "email"] as const) {
      if (patch[key] !== undefined && (typeof patch[key] !== "string" || patch[key] === ""))
        throw new CompanyError(400, `${key} must be a non-empty string`);
    }
    if (patch.primaryCustomerId && !this.customers.get(patch.primaryCustomerId))
      throw new CompanyError(400, `primaryCustomerId ${patch.primaryCustomerId} is not a customer`);
    const id = existing?.id ?? patch.id ?? seededUuid(this.#ids);
    const base: Customer = existing ?? {
      id,
      companyId: this.company.id,
      name: { first: "New", last: "Customer", nickname: null },
      gender: null,
      dob: null,
      address: { line1: "", line2: "", city: "", country: "", state: "", zip: "" },
      account: { type: "primary" },
      membershipDetails: null,
      email: `new.customer.${id.slice(0, 8)}@example.com`,
      phone: null,
      role: "lead",
    };
    const role = patch.role ?? base.role ?? null;
    const customer: Customer = {
      ...base,
      name: {
        ...base.name,
        ...(patch.first ? { first: patch.first } : {}),
        ...(patch.last ? { last: patch.last } : {}),
      },
      ...(patch.email ? { email: patch.email } : {}),
      ...(patch.phone !== undefined ? { phone: patch.phone } : {}),
      role,
      ...(patch.primaryCustomerId !== undefined
        ? {
            account: patch.primaryCustomerId
              ? { type: "linked" as const, primaryCustomerId: patch.primaryCustomerId }
              : { type: "primary" as const },
          }
        : {}),
      membershipDetails:
        role === "member" && base.membershipDetails === null
          ? { initialMembershipStartDate: day(this.now()) }
          : base.membershipDetails,
    };
    this.customers.upsert(customer);
    const event =
      existing === undefined
        ? "customer.created"
        : existing.role !== customer.role
          ? "customer.status.changed"
          : "customer.details.changed";
    this.webhooks.publish(event, customer as unknown as Record<string, unknown>);
    this.onChange();
    return { customer, created: existing === undefined };
  }

  /** `count` customers change their phone at once, each with customer.details.changed. */
  burst(count: number): number {
    const targets = this.customers.list().slice(0, count);
    for (const c of targets)
      this.upsertCustomer({ id: c.id, phone: c.phone === "+447700900999" ? null : "+447700900999" });
    return targets.length;
  }

  /** customer.deleted: the customer is gone from the listing and from fetch-one (404). */
  deleteCustomer(id: string): Customer {
    const removed = this.customers.remove(id);
    if (removed === undefined) throw new CompanyError(404, `No customer ${id}`);
    this.webhooks.publish("customer.deleted", { id: removed.id, companyId: removed.companyId });
    this.onChange();
    return removed;
  }

  /** enrollment.created for a new one; enrollment.status.changed when the status moves. paidUntil / endDate move silently, as billing does. */
  setEnrollment(customerId: string, patch: EnrollmentPatch): Enrollment {
    if (!this.customers.get(customerId)) throw new CompanyError(404, `No customer ${customerId}`);
    if (patch.status !== undefined && !(ENROLLMENT_STATUSES as readonly string[]).includes(patch.status))
      throw new CompanyError(400, `status must be one of ${ENROLLMENT_STATUSES.join(", ")}`);
    for (const key of ["paidUntil", "endDate"] as const) {
      const value = patch[key];
      if (value !== undefined && value !== null && !/^\d{4}-\d\d-\d\d$/.test(value))
        throw new CompanyError(400, `${key} must be YYYY-MM-DD or null`);
    }
    const existing = patch.id === undefined ? undefined : this.enrollments.get(patch.id);
    if (patch.id !== undefined && (existing === undefined || existing.customerId !== customerId))
      throw new CompanyError(404, `Customer ${customerId} has no enrollment ${patch.id}`);
    const now = this.now();
    const base =
      existing ?? enrollment(seededUuid(this.#ids), customerId, this.company.id, "active", now, now + 30 * DAY, null);
    const next: Enrollment = {
      ...base,
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.paidUntil !== undefined ? { paidUntil: patch.paidUntil } : {}),
      ...(patch.endDate !== undefined ? { endDate: patch.endDate } : {}),
      ...(patch.planId ? { planId: patch.planId } : {}),
    };
    this.enrollments.upsert(next);
    if (existing === undefined) this.webhooks.publish("enrollment.created", next as unknown as Record<string, unknown>);
    else if (existing.status !== next.status)
      this.webhooks.publish("enrollment.status.changed", next as unknown as Record<string, unknown>);
    this.onChange();
    return next;
  }

  deleteEnrollment(id: string): Enrollment {
    const removed = this.enrollments.remove(id);
    if (removed === undefined) throw new CompanyError(404, `No enrollment ${id}`);
    this.webhooks.publish("enrollment.deleted", { id: removed.id });
    this.onChange();
    return removed;
  }
}
