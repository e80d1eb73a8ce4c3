/**
 * Who owns which field of a User Access row. Sync writes only the sync-owned fields; everything an
 * admin sets (the access switch, grants, custom tags, notes, Track source updates, app message) is
 * never in a sync patch.
 */

/** The person's details as the source states them (compared to decide Updated vs Processed). */
export const SYNCED_DETAIL_FIELDS = [
  "firstName",
  "lastName",
  "mobilePhone",
  "email",
  "personType",
  "membershipStatus",
  "syncedTags",
] as const;
export type SyncedDetailField = (typeof SYNCED_DETAIL_FIELDS)[number];

/** Every field sync may ever write. */
export const SYNC_OWNED_FIELDS = [
  ...SYNCED_DETAIL_FIELDS,
  "lastSyncedAt",
  "sourceUpdatedAt",
  "removedAtSourceAt",
  "removalSourceUpdatedAt",
] as const;
export type SyncOwnedField = (typeof SYNC_OWNED_FIELDS)[number];

export const ADMIN_OWNED_FIELDS = [
  "accessEnabled",
  "grants",
  "customTags",
  "notes",
  "trackSourceUpdates",
  "appMessage",
] as const;
export type AdminOwnedField = (typeof ADMIN_OWNED_FIELDS)[number];

export type SyncedDetails = {
  firstName: string;
  lastName: string;
  mobilePhone: string | null;
  email: string | null;
  personType: string | null;
  membershipStatus: string | null;
  /** Replaced as a set: stored trimmed, de-duplicated and sorted so equal sets compare equal. */
  syncedTags: string[];
};

/** The complete sync-owned state of a row. Epoch milliseconds throughout. */
export type SyncState = SyncedDetails & {
  lastSyncedAt: number | null;
  /** The source's `updated_at` of the details the row holds: older upserts and removals are stale. */
  sourceUpdatedAt: number | null;
  /** When sync marked the row removed at the source (our clock); null while the person is at the source. */
  removedAtSourceAt: number | null;
  /**
   * The source's `updated_at` of that removal (null when inferred from a listing). An upsert older
   * than it still refreshes the details but does not bring the person back: deliveries arrive out of order.
   */
  removalSourceUpdatedAt: number | null;
};

/** The admin's two switches the plan reads from an existing row (rule 4 and effective access). */
export const ROW_SWITCH_FIELDS = ["trackSourceUpdates", "accessEnabled"] as const satisfies readonly AdminOwnedField[];

/** What the plan needs to know about an existing row: its sync state and the admin's two switches. */
export type ExistingRow = SyncState & Record<(typeof ROW_SWITCH_FIELDS)[number], boolean>;

/** A sync write always carries the whole sync-owned state, so one upsert statement fits every write. */
export type SyncPatch = SyncState;

export type ChangedField = { field: string; from: unknown; to: unknown };

export function sameTagSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((tag) => set.has(tag));
}

export function personName(details: { firstName: string; lastName: string }): string {
  if (details.firstName === "") return details.lastName;
  if (details.lastName === "") return details.firstName;
  return `${details.firstName} ${details.lastName}`;
}
