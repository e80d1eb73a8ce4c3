import { z } from "zod";
import type { ContractRecord, ListingPage, ListingRequest, SystemLocation } from "../connector";
import { type CallCounter, malformed } from "../shared/http";
import { type MindbodyContext, issuesText, paginationSchema, siteGet, staffGet } from "./api";
import { type MindbodyClient, clientRecord, externalIdOf, mindbodyClientSchema, removalRecord } from "./records";

/** Mindbody's largest page: fewer pages, fewer calls against the daily quota. */
export const MAX_PAGE_SIZE = 200;

const clientsPageSchema = z.object({
  PaginationResponse: paginationSchema,
  Clients: z.array(mindbodyClientSchema),
});
type ClientsPage = z.output<typeof clientsPageSchema>;

/** Pages read at once by one `listPage` once the total (hence every offset) is known. */
export const PAGES_IN_FLIGHT = 4;

/** The cursor is `<offset>.<TotalResults seen>`: the total tells a later page the listing shrank meanwhile. */
function cursorOf(cursor: string | null): { offset: number; total: number | null } {
  if (cursor === null) return { offset: 0, total: null };
  const match = /^(\d{1,9})\.(\d{1,9})$/.exec(cursor);
  if (!match) throw new Error(`not a Mindbody listing cursor: "${cursor}"`);
  return { offset: Number(match[1]), total: Number(match[2]) };
}

/**
 * One page of `GET /client/clients`. A full listing asks for active clients only (a deactivated client is
 * absent, which a complete listing reads as a removal); a delta (`since` → `request.lastModifiedDate`) also
 * asks for inactive ones and hands them back as removals, since absence from a delta means nothing.
 */
export async function listClientsPage(context: MindbodyContext, request: ListingRequest): Promise<ListingPage> {
  const counter: CallCounter = { calls: 0 };
  const position = cursorOf(request.cursor);
  const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, context.tuning?.pageSize ?? MAX_PAGE_SIZE));
  const read = async (offset: number) => {
    const query: Record<string, string> = {
      "request.limit": String(limit),
      "request.offset": String(offset),
      "request.includeInactive": request.since === undefined ? "false" : "true",
    };
    if (request.since !== undefined) query["request.lastModifiedDate"] = new Date(request.since).toISOString();
    const parsed = clientsPageSchema.safeParse((await staffGet(context, counter, "/client/clients", query)).body);
    if (!parsed.success) throw malformed("client listing page", issuesText(parsed.error));
    return parsed.data;
  };
  // Offsets are known once the total is: up to four pages are read at once (the same calls, less waiting).
  const offsetsFrom = (from: number, total: number, count: number) =>
    Array.from({ length: count }, (_, i) => from + i * limit).filter((at) => at < total);
  let offset = position.offset;
  let pages: ClientsPage[];
  if (position.total === null) {
    const first = await read(offset);
    const rest = offsetsFrom(offset + limit, first.PaginationResponse.TotalResults, PAGES_IN_FLIGHT - 1);
    pages = [first, ...(await Promise.all(rest.map(read)))];
  } else {
    const offsets = offsetsFrom(offset, position.total, PAGES_IN_FLIGHT);
    pages = await Promise.all((offsets.length > 0 ? offsets : [offset]).map(read));
  }
  // Offset paging over a list that shrank meanwhile (a client deactivated or merged away before an offset)
  // would skip as many clients as it lost, and a complete listing reads the skipped as removed. Step back by
  // the shrinkage and read again: a client may come twice, none is missed.
  const reference = position.total ?? (pages[0] as ClientsPage).PaginationResponse.TotalResults;
  const lowest = Math.min(...pages.map((p) => p.PaginationResponse.TotalResults));
  if (lowest < reference) {
    if (position.total === null || offset === 0) pages = pages.slice(0, 1);
    else {
      offset = Math.max(0, offset - (reference - lowest));
      pages = [await read(offset)];
    }
  }
  const clients: MindbodyClient[] = [];
  for (const page of pages) {
    clients.push(...page.Clients);
    if (page.Clients.length < limit) break;
  }
  const total = Math.min(...pages.map((p) => p.PaginationResponse.TotalResults));

  const wanted = request.locationIds === null ? null : new Set(request.locationIds);
  const records: ContractRecord[] = [];
  const removals: ContractRecord[] = [];
  for (const client of clients) {
    if (!client.Active) {
      if (request.since !== undefined) removals.push(removalRecord(client.UniqueId, client.LastModifiedDateTime));
      continue;
    }
    if (wanted !== null && !(client.HomeLocation && wanted.has(String(client.HomeLocation.Id)))) continue;
    records.push(clientRecord(client));
  }
  const next = offset + clients.length;
  const nextCursor = clients.length > 0 && next < total ? `${next}.${total}` : null;
  return { records, nextCursor, calls: counter.calls, ...(request.since === undefined ? {} : { removals }) };
}

/**
 * One client by its external id (the `UniqueId`) through `request.uniqueIds`, or by the site's own client id
 * when a webhook named only that (`Id:<clientId>`, see the README). Not found, or deactivated: null.
 */
export async function fetchClient(context: MindbodyContext, externalId: string): Promise<ContractRecord | null> {
  const byId = externalId.startsWith("Id:") ? externalId.slice(3) : null;
  if (byId === null && !/^\d{1,12}$/.test(externalId)) return null;
  const query: Record<string, string> = {
    "request.limit": "1",
    "request.includeInactive": "true",
    ...(byId === null ? { "request.uniqueIds": externalId } : { "request.clientIDs": byId }),
  };
  const answer = await staffGet(context, { calls: 0 }, "/client/clients", query);
  const parsed = clientsPageSchema.safeParse(answer.body);
  if (!parsed.success) throw malformed("client answer", issuesText(parsed.error));
  const client = parsed.data.Clients.find((c) =>
    byId === null ? externalIdOf(c.UniqueId) === externalId : c.Id === byId,
  );
  return client?.Active ? clientRecord(client) : null;
}

const locationsPageSchema = z.object({
  PaginationResponse: paginationSchema,
  Locations: z.array(z.object({ Id: z.number().int(), Name: z.string().nullish() })),
});

/** The site's locations (no staff token needed), for the location map. */
export async function listLocations(context: MindbodyContext): Promise<SystemLocation[]> {
  const counter: CallCounter = { calls: 0 };
  const locations: SystemLocation[] = [];
  for (let offset = 0; ; ) {
    const answer = await siteGet(context, counter, "/site/locations", {
      "request.limit": String(MAX_PAGE_SIZE),
      "request.offset": String(offset),
    });
    const parsed = locationsPageSchema.safeParse(answer.body);
    if (!parsed.success) throw malformed("location listing", issuesText(parsed.error));
    for (const location of parsed.data.Locations)
      locations.push({ id: String(location.Id), name: location.Name ?? `Location ${location.Id}` });
    offset += parsed.data.Locations.length;
    if (parsed.data.Locations.length === 0 || offset >= parsed.data.PaginationResponse.TotalResults) return locations;
  }
}

/** "Test connection": the staff login and its right to view clients, in one listing call of one client. */
export async function checkConnection(context: MindbodyContext): Promise<void> {
  const answer = await staffGet(context, { calls: 0 }, "/client/clients", { "request.limit": "1" });
  const parsed = clientsPageSchema.safeParse(answer.body);
  if (!parsed.success) throw malformed("client listing page", issuesText(parsed.error));
}
