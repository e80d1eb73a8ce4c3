import { loadSourceCredentials, type Db, type OpenedSources, type SecretBox } from "@uas/db";
import type { ListingFactory } from "@uas/engine";
import { sourceTarget } from "@uas/domain";
import { type ListingOptions, sourceConnection } from "./connections";

export type { ListingOptions, ListingTuning } from "./connections";

/** One connector listing per target, over a facility's sources' opened credentials. */
export function listingFactoryOf(sources: OpenedSources, options: ListingOptions): ListingFactory {
  return (target) => {
    const { connector, context } = sourceConnection(
      sourceTarget(target.source, target.integrationId ?? target.facilityId),
      sources,
      options,
    );
    return {
      async fetchPage(cursor) {
        const page = await connector.listPage(context, { locationIds: null, cursor });
        return { records: page.records, nextCursor: page.nextCursor };
      },
    };
  };
}

/** Loads the credentials of a facility's sources once, then hands out one connector listing per target. */
export async function loadListingFactory(
  db: Db,
  facility: { id: string; organisationId: string },
  options: ListingOptions,
  secrets: SecretBox,
): Promise<ListingFactory> {
  const sources = await loadSourceCredentials(
    db,
    { organisationId: facility.organisationId, facilityId: facility.id },
    secrets,
  );
  return listingFactoryOf(sources, options);
}
