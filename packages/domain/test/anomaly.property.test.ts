import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_ANOMALY_POLICY, decidePassEnd, listingAnomaly, shouldHoldRemovals } from "../src";

const thresholds = fc.record({
  percent: fc.integer({ min: 0, max: 100 }),
  minimum: fc.integer({ min: 0, max: 100_000 }),
});
const policy = fc.record({
  shrinkFloorPercent: fc.integer({ min: 1, max: 100 }),
  shrinkMinimumRows: fc.integer({ min: 1, max: 1000 }),
});

describe("the source-anomaly brake (properties)", () => {
  it("an empty listing over synced rows is always held before anything is disabled, whatever the threshold", () => {
    fc.assert(
      fc.property(
        thresholds,
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1000 }),
        (t, rows, pageSize) => {
          const decision = decidePassEnd({
            ...t,
            candidates: rows,
            activeRows: rows,
            listing: { listed: 0, pages: 1, pageSize },
          });
          expect(decision).toMatchObject({ action: "hold", brake: "anomaly", anomaly: { kind: "empty" } });
          if (decision.action === "hold" && decision.brake === "anomaly")
            expect(decision.anomaly.reason).toMatch(
              /^The listing returned 0 people; the facility has [\d,]+ synced rows?$/,
            );
        },
      ),
    );
  });

  it("a listing at least as large as the synced rows is never an anomaly", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000_000),
        fc.nat(1000),
        fc.integer({ min: 1, max: 1000 }),
        policy,
        (rows, extra, pageSize, p) => {
          const listed = rows + extra;
          expect(listingAnomaly({ listed, pages: 1, pageSize, syncedRows: rows }, p)).toBeNull();
        },
      ),
    );
  });

  it("shrinking is monotone: a smaller listing of the same facility is at least as suspicious", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.nat(100_000), fc.nat(100_000), policy, (rows, a, b, p) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        // Many pages, so the one-page rule stays out of it.
        const at = (listed: number) => listingAnomaly({ listed, pages: 1000, pageSize: 100, syncedRows: rows }, p);
        if (at(large) !== null) expect(at(small)).not.toBeNull();
      }),
    );
  });

  it("without an anomaly, the pass end is exactly today's mass-disable brake", () => {
    fc.assert(
      fc.property(thresholds, fc.nat(10_000), fc.nat(10_000), (t, candidates, activeRows) => {
        const decision = decidePassEnd({ ...t, candidates, activeRows, listing: null });
        const expected =
          candidates === 0 ? "complete" : shouldHoldRemovals({ ...t, candidates, activeRows }) ? "hold" : "disable";
        expect(decision.action).toBe(expected);
      }),
    );
  });

  it("the default policy holds a listing that lost more than half of a facility of 20 or more", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 1_000_000 }),
        fc.double({ min: 0, max: 0.4999, noNaN: true }),
        (rows, share) => {
          const listed = Math.floor(rows * share);
          expect(
            listingAnomaly({ listed, pages: 1000, pageSize: 100, syncedRows: rows }, DEFAULT_ANOMALY_POLICY),
          ).not.toBeNull();
        },
      ),
    );
  });
});
