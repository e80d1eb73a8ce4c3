import { asc, eq } from "drizzle-orm";
import { accessUser, listActivity, listPassActivity, syncPass, type Db, type ListActivityInput } from "@uas/db";
import { listingsOf, memoryListing } from "../src/testing";
import { createSyncedFacility, member } from "@uas/db/testing";
import { runFullPass, startPass, type ListingPort } from "../src";

export const T = Date.UTC(2026, 10, 24, 12);

export async function rowsByExternalId(db: Db, facilityId: string) {
  const rows = await db
    .select()
    .from(accessUser)
    .where(eq(accessUser.facilityId, facilityId))
    .orderBy(asc(accessUser.externalId));
  return new Map(rows.map((row) => [row.externalId ?? "", row]));
}

/** A pass's activity entries as the log shows them: written ones and those derived from its page records. */
/** The external ids of the facility's rows removed at the source, in order. */
export async function removedIds(db: Db, facilityId: string): Promise<string[]> {
  return [...(await rowsByExternalId(db, facilityId)).entries()]
    .filter(([, row]) => row.removedAtSourceAt !== null)
    .map(([id]) => id);
}

export async function entriesOf(db: Db, passId: string) {
  return listPassActivity(db, passId);
}

export async function passRows(db: Db) {
  return db.select().from(syncPass);
}

/** Runs a whole Integrations pass over the given listing records. */
export async function integrationPass(
  db: Db,
  input: {
    facilityId: string;
    integrationId: string;
    records?: unknown[];
    listing?: ListingPort;
    now: number;
    pageSize?: number;
  },
) {
  const { pass } = await startPass({
    db,
    facilityId: input.facilityId,
    source: "integration",
    trigger: "manual",
    now: input.now,
  });
  const listing = input.listing ?? memoryListing(input.records ?? [], { pageSize: input.pageSize ?? 3 });
  return runFullPass({
    db,
    passId: pass.id,
    listingFor: listingsOf({ [input.integrationId]: listing }),
    now: input.now + 1,
    maxPages: 2,
  });
}

/** `count` members M-000… at loc-1, each with `overrides(i)`. */
export function members(count: number, overrides: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: count }, (_, i) => member(`M-${String(i).padStart(3, "0")}`, overrides(i)));
}

/** A facility synced with `count` members, and a second pass started at T + 1000 (its step not yet run). */
export async function syncedThenSecondPass(db: Db, count: number) {
  const { facility, integration } = await createSyncedFacility(db);
  await integrationPass(db, {
    facilityId: facility.id,
    integrationId: integration.id,
    records: members(count),
    now: T,
  });
  const { pass } = await startPass({
    db,
    facilityId: facility.id,
    source: "integration",
    trigger: "manual",
    now: T + 1000,
  });
  return { facility, integration, pass };
}

/** The ids of every entry the activity log's keyset pages walk through, page after page. */
export async function keysetIds(db: Db, input: Omit<ListActivityInput, "before">): Promise<number[]> {
  const ids: number[] = [];
  for (let before: number | null = null; ; ) {
    const page = await listActivity(db, { ...input, before });
    ids.push(...page.entries.map((e) => e.id));
    if (page.nextCursor === null) return ids;
    before = page.nextCursor;
  }
}
