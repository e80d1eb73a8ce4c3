import type { SyncSource } from "@uas/domain";

/** One page of a source's listing. Records are raw: the domain validates each one. */
export type ListingPage = { records: unknown[]; nextCursor: string | null };

/** A source's complete listing, read page by page. Implementations retry transient errors themselves. */
export type ListingPort = { fetchPage(cursor: string | null): Promise<ListingPage> };

/** Which listing to read: CCTV has one per facility, Integrations one per mirrored integration. */
export type ListingTarget = { facilityId: string; source: SyncSource; integrationId: string | null };

export type ListingFactory = (target: ListingTarget) => ListingPort;
