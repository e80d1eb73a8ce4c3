import { z } from "zod";
import {
  type ContractRecord,
  ConnectorError,
  type ListingPage,
  type ListingRequest,
  type SystemLocation,
} from "../connector";
import { type CallCounter, malformed } from "../shared/http";
import { type PushPressContext, isCompanyNotFound, issuesText, pushpressCall } from "./api";
import { customerRecord, isRemovedRole, pushpressCustomerSchema } from "./records";

/** The simulator's (and, as far as published, PushPress's) largest page. */
export const MAX_PAGE_SIZE = 100;

const customersPageSchema = z.object({ data: z.object({ resultArray: z.array(pushpressCustomerSchema) }) });

function pageOf(cursor: string | null): number {
  if (cursor === null) return 1;
  if (!/^\d{1,7}$/.test(cursor) || cursor === "0") throw new Error(`not a PushPress listing cursor: "${cursor}"`);
  return Number(cursor);
}

/** Pages read at once by one `listPage`: page numbers are known ahead, so they need not wait for each other. */
export const PAGES_IN_FLIGHT = 4;

/**
 * `GET /customers` (page-number paging from 1), several pages at once: one `listPage` reads pages p … p+3
 * concurrently and hands them back as one page of the listing. A short or empty page is the last, as the official
 * SDK's pager reads it (the pages read beyond it are counted calls, at most three per listing). Ex-members are
 * left out: absent from a complete listing, they count as removed. PushPress has no modified-since filter, so
 * there are no deltas.
 */
export async function listCustomersPage(context: PushPressContext, request: ListingRequest): Promise<ListingPage> {
  // A PushPress integration is one company: a facility mapped to none of it has nobody here.
  if (request.locationIds !== null && !request.locationIds.includes(context.credentials.companyId))
    return { records: [], nextCursor: null, calls: 0 };
  const counter: CallCounter = { calls: 0 };
  const first = pageOf(request.cursor);
  const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, context.tuning?.pageSize ?? MAX_PAGE_SIZE));
  const pages = await Promise.all(
    Array.from({ length: PAGES_IN_FLIGHT }, async (_, index) => {
      const answer = await pushpressCall(context, counter, "/customers", {
        query: { page: String(first + index), limit: String(limit) },
      });
      const parsed = customersPageSchema.safeParse(answer.body);
      if (!parsed.success) throw malformed("customer listing page", issuesText(parsed.error));
      return parsed.data.data.resultArray;
    }),
  );
  // The listing's moment is each record's updated_at: customers carry no modification time.
  const at = new Date().toISOString();
  const records: ContractRecord[] = [];
  for (const customers of pages) {
    for (const customer of customers) if (!isRemovedRole(customer.role)) records.push(customerRecord(customer, at));
    if (customers.length < limit) return { records, nextCursor: null, calls: counter.calls };
  }
  return { records, nextCursor: String(first + PAGES_IN_FLIGHT), calls: counter.calls };
}

/** `GET /customers/{id}`: 404 (a deleted customer) and ex-members are null. */
export async function fetchCustomer(context: PushPressContext, externalId: string): Promise<ContractRecord | null> {
  const answer = await pushpressCall(context, { calls: 0 }, `/customers/${encodeURIComponent(externalId)}`, {
    pass: [404],
  });
  if (answer.status === 404) {
    if (isCompanyNotFound(answer.body))
      throw new ConnectorError("wrong-account", "The company id is not a PushPress company", 404);
    return null;
  }
  const parsed = pushpressCustomerSchema.safeParse(answer.body);
  if (!parsed.success) throw malformed("customer", issuesText(parsed.error));
  if (isRemovedRole(parsed.data.role)) return null;
  return customerRecord(parsed.data, new Date().toISOString());
}

const companySchema = z.object({ id: z.string().min(1), name: z.string().nullish() });

/** The company is the one location a PushPress integration has. */
export async function companyLocations(context: PushPressContext): Promise<SystemLocation[]> {
  const parsed = companySchema.safeParse((await pushpressCall(context, { calls: 0 }, "/company")).body);
  if (!parsed.success) throw malformed("company", issuesText(parsed.error));
  return [{ id: parsed.data.id, name: parsed.data.name ?? parsed.data.id }];
}

/** "Test connection": one customer, which also proves the key may read customers. */
export async function checkConnection(context: PushPressContext): Promise<void> {
  const answer = await pushpressCall(context, { calls: 0 }, "/customers", { query: { page: "1", limit: "1" } });
  const parsed = customersPageSchema.safeParse(answer.body);
  if (!parsed.success) throw malformed("customer listing page", issuesText(parsed.error));
}
