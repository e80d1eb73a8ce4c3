import { describe, expect, it } from "vitest";
import { DEFAULT_ANOMALY_POLICY, decidePassEnd, listingAnomaly } from "../src";

const shape = (listed: number, syncedRows: number, pages = Math.max(1, Math.ceil(listed / 100)), pageSize = 100) => ({
  listed,
  pages,
  pageSize,
  syncedRows,
});

describe("listingAnomaly", () => {
  it("holds an empty listing with the issue's wording", () => {
    expect(listingAnomaly(shape(0, 4210))).toEqual({
      kind: "empty",
      reason: "The listing returned 0 people; the facility has 4,210 synced rows",
    });
    expect(listingAnomaly(shape(0, 1))?.reason).toBe("The listing returned 0 people; the facility has 1 synced row");
  });

  it("holds a listing far below the synced rows", () => {
    expect(listingAnomaly(shape(1900, 4210))).toEqual({
      kind: "shrank",
      reason: "The listing returned 1,900 people; the facility has 4,210 synced rows",
    });
    expect(listingAnomaly(shape(1, 40, 1, 100))?.reason).toBe(
      "The listing returned 1 person; the facility has 40 synced rows",
    );
  });

  it("holds one full page then nothing, even when the shrink is mild", () => {
    expect(listingAnomaly(shape(100, 150, 1, 100))).toEqual({
      kind: "one-page",
      reason: "The listing returned 100 people on one page, then nothing; the facility has 150 synced rows",
    });
  });

  it("lets ordinary listings through", () => {
    expect(listingAnomaly(shape(4100, 4210))).toBeNull(); // a few leavers
    expect(listingAnomaly(shape(4300, 4210))).toBeNull(); // joiners
    expect(listingAnomaly(shape(0, 0))).toBeNull(); // a first pass
    expect(listingAnomaly(shape(5, 12))).toBeNull(); // a small facility may shrink (the removal brake still applies)
    expect(listingAnomaly(shape(99, 150, 1, 100))).toBeNull(); // a partial single page is a complete listing
    expect(listingAnomaly(shape(2106, 4210))).toBeNull(); // above the 50 % floor
  });

  it("takes the floor and minimum from the policy", () => {
    const strict = { shrinkFloorPercent: 90, shrinkMinimumRows: 5 };
    expect(listingAnomaly(shape(8, 10), strict)?.kind).toBe("shrank");
    expect(listingAnomaly(shape(8, 10), DEFAULT_ANOMALY_POLICY)).toBeNull();
  });
});

describe("decidePassEnd", () => {
  const base = { percent: 10, minimum: 5 };

  it("holds an anomalous listing even when the removal threshold would let it through", () => {
    const decision = decidePassEnd({
      ...base,
      percent: 100,
      minimum: 1_000_000,
      candidates: 4210,
      activeRows: 4210,
      listing: { listed: 0, pages: 1, pageSize: 100 },
    });
    expect(decision).toEqual({
      action: "hold",
      brake: "anomaly",
      anomaly: { kind: "empty", reason: "The listing returned 0 people; the facility has 4,210 synced rows" },
    });
  });

  it("falls back to the mass-disable brake, then disables", () => {
    const listing = { listed: 180, pages: 2, pageSize: 100 };
    expect(decidePassEnd({ ...base, candidates: 25, activeRows: 200, listing })).toEqual({
      action: "hold",
      brake: "mass-disable",
    });
    expect(decidePassEnd({ ...base, candidates: 3, activeRows: 200, listing })).toEqual({ action: "disable" });
    expect(decidePassEnd({ ...base, candidates: 0, activeRows: 200, listing: { ...listing, listed: 0 } })).toEqual({
      action: "complete",
    });
  });

  it("does not judge passes that are not full listings", () => {
    expect(decidePassEnd({ ...base, candidates: 2, activeRows: 200, listing: null })).toEqual({ action: "disable" });
  });
});
