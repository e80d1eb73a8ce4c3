import { describe, expect, it } from "vitest";
import { STARTING_RULE_SET, isAutoInviteEligible, type InvitationFacts } from "../src";

const now = Date.parse("2026-11-24T10:00:00Z");
const person: InvitationFacts = {
  source: "integration",
  trackSourceUpdates: true,
  email: "ada@example.com",
  accessEnabled: true,
  removedAtSourceAt: null,
  personType: "member",
  membershipStatus: "active",
  syncedTags: [],
  customTags: [],
  hasGrant: false,
  graceUntil: null,
  paidUntil: null,
};

describe("auto-invite eligibility", () => {
  it("invites a synced, tracking row with effective access and an email", () => {
    expect(isAutoInviteEligible(STARTING_RULE_SET, person, now)).toBe(true);
    expect(isAutoInviteEligible(STARTING_RULE_SET, { ...person, source: "cctv" }, now)).toBe(true);
  });

  it("never a manual, decoupled, email-less or access-less row", () => {
    expect(isAutoInviteEligible(STARTING_RULE_SET, { ...person, source: "manual" }, now)).toBe(false);
    expect(isAutoInviteEligible(STARTING_RULE_SET, { ...person, trackSourceUpdates: false }, now)).toBe(false);
    expect(isAutoInviteEligible(STARTING_RULE_SET, { ...person, email: null }, now)).toBe(false);
    expect(isAutoInviteEligible(STARTING_RULE_SET, { ...person, email: "" }, now)).toBe(false);
    expect(isAutoInviteEligible(STARTING_RULE_SET, { ...person, accessEnabled: false }, now)).toBe(false);
    expect(isAutoInviteEligible(STARTING_RULE_SET, { ...person, removedAtSourceAt: now }, now)).toBe(false);
    expect(isAutoInviteEligible({ rules: [] }, person, now)).toBe(false);
    expect(isAutoInviteEligible({ rules: [] }, { ...person, hasGrant: true }, now)).toBe(true);
  });
});
