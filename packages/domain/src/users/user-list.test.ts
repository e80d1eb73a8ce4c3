import { describe, expect, it } from "vitest";
import { membershipStatusLabel } from "./user-list";

describe("membershipStatusLabel", () => {
  it("uses the friendly labels whatever the source's spelling", () => {
    expect(["active", "ACTIVE", "current", "expired", "on_hold", "On Hold", "on-hold", "cancelled", "canceled", "pending"].map(membershipStatusLabel)).toEqual([
      "Active",
      "Active",
      "Current",
      "Expired",
      "On hold",
      "On hold",
      "On hold",
      "Cancelled",
      "Cancelled",
      "Pending",
    ]);
  });

  it("title-cases any other value", () => {
    expect(membershipStatusLabel("frozen")).toBe("Frozen");
    expect(membershipStatusLabel("pend_cancel")).toBe("Pend Cancel");
    expect(membershipStatusLabel("NON-MEMBER")).toBe("Non Member");
  });
});
