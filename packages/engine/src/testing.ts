import type { ListingFactory, ListingPort } from "./ports";

/** An in-memory listing served `pageSize` records a page; `failAtPage` (0-based) throws like a partner outage. */
export function memoryListing(
  records: readonly unknown[],
  options: { pageSize?: number; failAtPage?: number } = {},
): ListingPort {
  const pageSize = options.pageSize ?? 100;
  return {
    async fetchPage(cursor) {
      const start = cursor === null ? 0 : Number(cursor);
      if (options.failAtPage !== undefined && start / pageSize >= options.failAtPage) {
        throw new Error("partner answered 503");
      }
      const end = start + pageSize;
      return { records: records.slice(start, end), nextCursor: end < records.length ? String(end) : null };
    },
  };
}

/** A listing factory serving one listing per integration id ('' for CCTV). */
export function listingsOf(listings: Record<string, ListingPort>): ListingFactory {
  return ({ integrationId }) => {
    const listing = listings[integrationId ?? ""];
    if (!listing) throw new Error(`no listing for ${integrationId ?? "cctv"}`);
    return listing;
  };
}
