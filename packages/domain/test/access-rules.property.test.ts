import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  DAY_MS,
  STARTING_RULE_SET,
  decideAccess,
  membershipStatusLabel,
  nextGraceState,
  preselectedStatuses,
  type AccessFacts,
  type AccessRule,
  type AccessRuleSet,
} from "../src";

const TYPES = ["member", "staff", "guest"];
const STATUSES = ["active", "Current", "expired", "on_hold", "past due"];
const TAGS = ["gold", "pool", "vip"];
const NOW = Date.UTC(2026, 11, 2, 12);

export const ruleArb: fc.Arbitrary<AccessRule> = fc.oneof(
  fc.record({
    kind: fc.constant("person_type" as const),
    personType: fc.option(fc.constantFrom(...TYPES), { nil: null }),
    statuses: fc.subarray(STATUSES),
  }),
  fc.record({ kind: fc.constant("tags" as const), tags: fc.subarray(TAGS, { minLength: 1 }) }),
);

export const ruleSetArb: fc.Arbitrary<AccessRuleSet> = fc.record({
  rules: fc.array(ruleArb, { maxLength: 4 }),
  graceDays: fc.integer({ min: 0, max: 30 }),
});

// Moments and clocks share a few exact values so the boundaries (now === paid-until, now === grace end) come up.
const EDGES = [-2, -1, 0, 1, 2].map((days) => NOW + days * DAY_MS);
const instantArb = fc.oneof(fc.integer({ min: NOW - 40 * DAY_MS, max: NOW + 40 * DAY_MS }), fc.constantFrom(...EDGES));
const momentArb = fc.option(instantArb, { nil: null });

export const factsArb: fc.Arbitrary<AccessFacts> = fc.record({
  accessEnabled: fc.boolean(),
  removedAtSourceAt: fc.option(fc.constant(NOW - DAY_MS), { nil: null }),
  personType: fc.option(fc.constantFrom(...TYPES), { nil: null }),
  membershipStatus: fc.option(fc.constantFrom(...STATUSES), { nil: null }),
  syncedTags: fc.subarray(TAGS),
  customTags: fc.subarray(TAGS),
  hasGrant: fc.boolean(),
  graceUntil: momentArb,
  paidUntil: momentArb,
});

/** The plain reading of the help page's rule, written independently of the implementation. */
function reference(ruleSet: AccessRuleSet, p: AccessFacts, now: number) {
  if (!p.accessEnabled) return { allowed: false, reason: "access_disabled", until: null };
  if (p.removedAtSourceAt !== null) return { allowed: false, reason: "removed_at_source", until: null };
  let matched = false;
  for (const rule of ruleSet.rules) {
    if (rule.kind === "tags") {
      for (const tag of rule.tags) if (p.syncedTags.includes(tag) || p.customTags.includes(tag)) matched = true;
    } else {
      const typeOk = rule.personType === null || rule.personType === p.personType;
      const statusOk = rule.statuses.length === 0 || rule.statuses.some((s) => s === p.membershipStatus);
      if (typeOk && statusOk) matched = true;
    }
  }
  const paidOk = p.paidUntil === null || now < p.paidUntil;
  const graceOn = p.graceUntil !== null && now < p.graceUntil;
  if (p.hasGrant) return { allowed: true, reason: null, until: null };
  if (matched && paidOk && p.paidUntil === null) return { allowed: true, reason: null, until: null };
  if (matched && paidOk && graceOn)
    return { allowed: true, reason: null, until: Math.max(p.paidUntil!, p.graceUntil!) };
  if (matched && paidOk) return { allowed: true, reason: null, until: p.paidUntil };
  if (graceOn) return { allowed: true, reason: null, until: p.graceUntil };
  return { allowed: false, reason: "no_matching_rule_or_grant", until: null };
}

describe("effective access", () => {
  it("equals the plain reference for random rule sets, people, grants, switches, removals, graces and clocks", () => {
    fc.assert(
      fc.property(ruleSetArb, factsArb, instantArb, (ruleSet, person, now) => {
        expect(decideAccess(ruleSet, person, now)).toEqual(reference(ruleSet, person, now));
      }),
      { numRuns: 3000 },
    );
  }, 60_000);

  it("the starting rule set admits every type and status, so untouched facilities keep today's behaviour", () => {
    fc.assert(
      fc.property(factsArb, (person) => {
        const plain = { ...person, hasGrant: false, graceUntil: null, paidUntil: null };
        expect(decideAccess(STARTING_RULE_SET, plain, NOW).allowed).toBe(
          plain.accessEnabled && plain.removedAtSourceAt === null,
        );
      }),
    );
  });

  it("a paid-until date ends rule-based access at that very moment, with no write in between", () => {
    const person: AccessFacts = {
      accessEnabled: true,
      removedAtSourceAt: null,
      personType: "member",
      membershipStatus: "active",
      syncedTags: [],
      customTags: [],
      hasGrant: false,
      graceUntil: null,
      paidUntil: NOW,
    };
    expect(decideAccess(STARTING_RULE_SET, person, NOW - 1)).toEqual({ allowed: true, reason: null, until: NOW });
    expect(decideAccess(STARTING_RULE_SET, person, NOW)).toEqual({
      allowed: false,
      reason: "no_matching_rule_or_grant",
      until: null,
    });
    expect(decideAccess(STARTING_RULE_SET, { ...person, hasGrant: true }, NOW).allowed).toBe(true);
  });

  it("names the switch before the removal when both deny", () => {
    const person: AccessFacts = {
      accessEnabled: false,
      removedAtSourceAt: NOW,
      personType: null,
      membershipStatus: null,
      syncedTags: [],
      customTags: [],
      hasGrant: true,
      graceUntil: null,
      paidUntil: null,
    };
    expect(decideAccess(STARTING_RULE_SET, person, NOW).reason).toBe("access_disabled");
    expect(decideAccess(STARTING_RULE_SET, { ...person, accessEnabled: true }, NOW).reason).toBe("removed_at_source");
  });
});

describe("grace periods", () => {
  const rules: AccessRuleSet = {
    rules: [{ kind: "person_type", personType: "member", statuses: ["active"] }],
    graceDays: 7,
  };
  const member = { personType: "member", membershipStatus: "active", syncedTags: [], customTags: [] };

  it("starts when the match is lost, keeps its end through further changes, and ends at once when the match returns", () => {
    const matched = nextGraceState(rules, { rulesMatched: false, graceUntil: null, graceStatus: null }, member, NOW);
    expect(matched).toEqual({ rulesMatched: true, graceUntil: null, graceStatus: null });
    const lapsed = nextGraceState(rules, matched, { ...member, membershipStatus: "expired" }, NOW);
    expect(lapsed).toEqual({ rulesMatched: false, graceUntil: NOW + 7 * DAY_MS, graceStatus: "expired" });
    expect(nextGraceState(rules, lapsed, { ...member, membershipStatus: "on_hold" }, NOW + DAY_MS)).toEqual(lapsed);
    expect(nextGraceState(rules, lapsed, member, NOW + DAY_MS)).toEqual(matched);
  });

  it("never starts for a person who never matched, nor with zero grace days", () => {
    const never = { rulesMatched: false, graceUntil: null, graceStatus: null };
    expect(nextGraceState(rules, never, { ...member, membershipStatus: "expired" }, NOW)).toEqual(never);
    const noGrace = { ...rules, graceDays: 0 };
    expect(
      nextGraceState(
        noGrace,
        { rulesMatched: true, graceUntil: null, graceStatus: null },
        { ...member, membershipStatus: "expired" },
        NOW,
      ),
    ).toEqual(never);
  });

  it("keeps the person in for exactly the grace days after a lapse", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 40 * DAY_MS }), (graceDays, elapsed) => {
        const set = { ...rules, graceDays };
        const grace = nextGraceState(
          set,
          { rulesMatched: true, graceUntil: null, graceStatus: null },
          { ...member, membershipStatus: "expired" },
          NOW,
        );
        const facts: AccessFacts = {
          ...member,
          membershipStatus: "expired",
          accessEnabled: true,
          removedAtSourceAt: null,
          hasGrant: false,
          graceUntil: grace.graceUntil,
          paidUntil: null,
        };
        expect(decideAccess(set, facts, NOW + elapsed).allowed).toBe(elapsed < graceDays * DAY_MS);
      }),
    );
  });
});

describe("labels", () => {
  it("uses the friendly status labels and title-cases the rest", () => {
    expect(
      ["active", "CURRENT", "Expired", "on hold", "ON_HOLD", "canceled", "pending"].map(membershipStatusLabel),
    ).toEqual(["Active", "Current", "Expired", "On hold", "On hold", "Cancelled", "Pending"]);
    expect(membershipStatusLabel("past_due")).toBe("Past Due");
    expect(preselectedStatuses(["expired", "active", "Current", "pending"])).toEqual(["active", "Current"]);
  });
});
