import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  FACILITY_GONE_REASON,
  HELD_ALLOWED_REASON,
  HELD_REJECTED_REASON,
  PASS_STALE_AFTER_MS,
  PASS_STALLED_AFTER_MS,
  decideHeldPass,
  endOfPass,
  isPassStale,
  shouldHoldRemovals,
  stalledBefore,
} from "../src";

const T = Date.UTC(2026, 10, 24, 12);
const brake = { percent: 10, minimum: 5 };

describe("a running pass's health", () => {
  it("is stale only after 30 minutes without a step", () => {
    expect(PASS_STALE_AFTER_MS).toBe(30 * 60_000);
    expect(isPassStale(T, T + 30 * 60_000)).toBe(false);
    expect(isPassStale(T, T + 30 * 60_000 + 1)).toBe(true);
    expect(isPassStale(T, T)).toBe(false);
  });

  it("is stalled after 10 minutes without a step", () => {
    expect(PASS_STALLED_AFTER_MS).toBe(10 * 60_000);
    expect(stalledBefore(T + 10 * 60_000)).toBe(T);
  });

  it("is stalled before it is stale", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * 60 * 60_000 }), (idle) => {
        const now = T + idle;
        if (isPassStale(T, now)) expect(T < stalledBefore(now)).toBe(true);
      }),
    );
  });
});

describe("how a pass ends", () => {
  it("fails when the facility is gone", () => {
    expect(endOfPass({ facilityExists: false })).toEqual({
      state: "failed",
      reason: FACILITY_GONE_REASON,
      disable: false,
      invite: false,
    });
  });

  it("completes without removing or inviting anyone when its source was turned off", () => {
    expect(endOfPass({ facilityExists: true, source: "integration", sourceOn: false })).toEqual({
      state: "complete",
      reason: "Integration sync is turned off for this facility, so nobody was removed",
      disable: false,
      invite: false,
    });
    expect(endOfPass({ facilityExists: true, source: "cctv", sourceOn: false })).toMatchObject({
      state: "complete",
      disable: false,
    });
  });

  it("completes, and invites, when nobody is to be removed", () => {
    expect(
      endOfPass({ facilityExists: true, source: "cctv", sourceOn: true, candidates: 0, activeRows: 0, brake }),
    ).toEqual({ state: "complete", reason: null, disable: false, invite: true });
  });

  it("holds when the brake says so, and otherwise removes the candidates", () => {
    const end = (candidates: number, activeRows: number) =>
      endOfPass({ facilityExists: true, source: "integration", sourceOn: true, candidates, activeRows, brake });
    expect(end(5, 20)).toEqual({ state: "held", heldCount: 5, reason: null, disable: false, invite: false });
    expect(end(4, 20)).toEqual({ state: "complete", reason: null, disable: true, invite: true });
    expect(end(5, 100)).toEqual({ state: "complete", reason: null, disable: true, invite: true });
  });

  it("holds exactly when the brake rule holds", () => {
    fc.assert(
      fc.property(
        fc.nat(500),
        fc.nat(500),
        fc.integer({ min: 1, max: 100 }),
        fc.nat(50),
        (candidates, extra, percent, minimum) => {
          const activeRows = candidates + extra;
          const end = endOfPass({
            facilityExists: true,
            source: "integration",
            sourceOn: true,
            candidates,
            activeRows,
            brake: { percent, minimum },
          });
          expect(end.state === "held").toBe(shouldHoldRemovals({ candidates, activeRows, percent, minimum }));
          expect(end.disable).toBe(end.state === "complete" && candidates > 0);
        },
      ),
    );
  });
});

describe("an admin's decision on a held pass", () => {
  it("allow removes and invites while the source is on", () => {
    expect(decideHeldPass("allow", true)).toEqual({
      state: "complete",
      reason: HELD_ALLOWED_REASON,
      disable: true,
      invite: true,
    });
  });

  it("reject removes nobody, and still runs the end-of-pass invitations", () => {
    expect(decideHeldPass("reject", true)).toEqual({
      state: "complete",
      reason: HELD_REJECTED_REASON,
      disable: false,
      invite: true,
    });
  });

  it("with the source turned off since, removes and invites nobody", () => {
    expect(decideHeldPass("allow", false)).toMatchObject({ disable: false, invite: false });
    expect(decideHeldPass("reject", false)).toMatchObject({ disable: false, invite: false });
  });
});

describe("the source-anomaly brake at the pass end", () => {
  it("holds an empty listing with its reason, whatever the removal threshold", () => {
    const end = endOfPass({
      facilityExists: true,
      source: "integration",
      sourceOn: true,
      candidates: 30,
      activeRows: 30,
      brake: { percent: 100, minimum: 1000 },
      listing: { listed: 0, pages: 1, pageSize: 100 },
    });
    expect(end).toEqual({
      state: "held",
      heldCount: 30,
      reason: "The listing returned 0 people; the facility has 30 synced rows",
      disable: false,
      invite: false,
    });
  });
});
