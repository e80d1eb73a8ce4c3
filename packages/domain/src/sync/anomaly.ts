import { shouldHoldRemovals } from "./mass-disable";

/**
 * The source-anomaly brake. Today's brake counts removals; this one looks at the listing itself. A source
 * that answers 2xx with a listing that shrank suspiciously — empty, far below the rows the facility holds,
 * or one full page and then nothing — is the most dangerous case, because every missing person looks like a
 * leaver. Such a pass disables nobody and is held for review with the reason, whatever the facility's
 * removal threshold says. Only full listings are judged (a delta is small by design).
 */
export type ListingShape = {
  /** People the listing stated in this pass (every record read, valid or not). */
  listed: number;
  /** Pages read, the last one included. */
  pages: number;
  /**
   * The most records one page of this listing can hold: the page size asked for, capped by the system's
   * own limit (Glofox 100, ABC Ignite 200). A single page this full, with no next page, is suspicious.
   */
  pageSize: number;
  /** The source's active rows at the facility before the sweep ("synced rows"). */
  syncedRows: number;
};

export type AnomalyPolicy = {
  /** A listing with fewer than this share of the synced rows is "far below" them. */
  shrinkFloorPercent: number;
  /** Shrinking is judged only from this many synced rows up (a 3-person facility may halve). */
  shrinkMinimumRows: number;
};

export const DEFAULT_ANOMALY_POLICY: AnomalyPolicy = { shrinkFloorPercent: 50, shrinkMinimumRows: 20 };

export type ListingAnomaly = { kind: "empty" | "one-page" | "shrank"; reason: string };

const count = new Intl.NumberFormat("en-US");
const people = (n: number) => `${count.format(n)} ${n === 1 ? "person" : "people"}`;
const rows = (n: number) => `${count.format(n)} synced ${n === 1 ? "row" : "rows"}`;

/** Why this listing is not to be trusted, worded for the admin, or null when it looks like the facility. */
export function listingAnomaly(
  shape: ListingShape,
  policy: AnomalyPolicy = DEFAULT_ANOMALY_POLICY,
): ListingAnomaly | null {
  const { listed, pages, pageSize, syncedRows } = shape;
  if (syncedRows <= 0 || listed >= syncedRows) return null;
  const has = `the facility has ${rows(syncedRows)}`;
  if (listed === 0) return { kind: "empty", reason: `The listing returned 0 people; ${has}` };
  if (pages === 1 && pageSize > 0 && listed >= pageSize) {
    return { kind: "one-page", reason: `The listing returned ${people(listed)} on one page, then nothing; ${has}` };
  }
  if (syncedRows >= policy.shrinkMinimumRows && listed * 100 < syncedRows * policy.shrinkFloorPercent) {
    return { kind: "shrank", reason: `The listing returned ${people(listed)}; ${has}` };
  }
  return null;
}

/**
 * What the end of a full pass does with its removal candidates: both brakes in one answer. The anomaly
 * brake comes first and holds whatever the threshold says; then the mass-disable threshold; else disable.
 */
export type PassEndDecision =
  | { action: "complete" }
  | { action: "hold"; brake: "anomaly"; anomaly: ListingAnomaly }
  | { action: "hold"; brake: "mass-disable" }
  | { action: "disable" };

export function decidePassEnd(input: {
  candidates: number;
  activeRows: number;
  percent: number;
  minimum: number;
  /** The listing as read; null for passes that are not full listings. */
  listing: Omit<ListingShape, "syncedRows"> | null;
  policy?: AnomalyPolicy;
}): PassEndDecision {
  if (input.candidates === 0) return { action: "complete" };
  const anomaly =
    input.listing === null ? null : listingAnomaly({ ...input.listing, syncedRows: input.activeRows }, input.policy);
  if (anomaly) return { action: "hold", brake: "anomaly", anomaly };
  if (shouldHoldRemovals(input)) return { action: "hold", brake: "mass-disable" };
  return { action: "disable" };
}
