/**
 * Who may open a facility's doors. One definition, used by every place that says "Has access" /
 * "No access" (the SQL twin in packages/db is tested against it) and by the door's check.
 */

export const ACCESS_RULE_KINDS = ["person_type", "tags"] as const;
export type AccessRuleKind = (typeof ACCESS_RULE_KINDS)[number];

/**
 * "If <person type> and status is <statuses>": a null person type is "Any type", an empty status list
 * "Any status". "By tags": one of the person's synced or custom tags among `tags` is enough.
 * Values are compared exactly as the source wrote them (the editor offers the values in the data).
 */
export type AccessRule =
  | { kind: "person_type"; personType: string | null; statuses: string[] }
  | { kind: "tags"; tags: string[] };

export type AccessRuleSet = {
  rules: AccessRule[];
  /** When a person's rules stop matching, access continues this many days (0: it stops at once). */
  graceDays: number;
};

/** A facility that never opened Access Rules: one rule that admits every type and status, no grace. */
export const STARTING_RULE_SET: AccessRuleSet = {
  rules: [{ kind: "person_type", personType: null, statuses: [] }],
  graceDays: 0,
};

export const DAY_MS = 86_400_000;

/** What access is decided from: the row's switches, its sync-owned details and its time limits. */
export type AccessFacts = {
  accessEnabled: boolean;
  removedAtSourceAt: number | null;
  personType: string | null;
  membershipStatus: string | null;
  syncedTags: readonly string[];
  customTags: readonly string[];
  /** Per-user grants: any one admits the person whatever the rules say. */
  hasGrant: boolean;
  /** A running grace period ends here (set when the person's rules stopped matching). */
  graceUntil: number | null;
  /** The source's own end of the paid period: rule-based access ends at this moment. */
  paidUntil: number | null;
};

export const ACCESS_DENIAL_REASONS = ["access_disabled", "removed_at_source", "no_matching_rule_or_grant"] as const;
export type AccessDenialReason = (typeof ACCESS_DENIAL_REASONS)[number];

export type AccessDecision = {
  allowed: boolean;
  /** Why not, the first that applies in the order of ACCESS_DENIAL_REASONS; null when allowed. */
  reason: AccessDenialReason | null;
  /** When access ends by itself if nothing changes (paid-until or grace end); null: no end known, or denied. */
  until: number | null;
};

type RuleSubject = Pick<AccessFacts, "personType" | "membershipStatus" | "syncedTags" | "customTags">;

export function ruleMatches(rule: AccessRule, person: RuleSubject): boolean {
  if (rule.kind === "tags") {
    return rule.tags.some((tag) => person.syncedTags.includes(tag) || person.customTags.includes(tag));
  }
  if (rule.personType !== null && rule.personType !== person.personType) return false;
  return (
    rule.statuses.length === 0 || (person.membershipStatus !== null && rule.statuses.includes(person.membershipStatus))
  );
}

/** Whether any rule of the set admits the person's current details (time limits aside). */
export function rulesMatch(ruleSet: Pick<AccessRuleSet, "rules">, person: RuleSubject): boolean {
  return ruleSet.rules.some((rule) => ruleMatches(rule, person));
}

/**
 * Effective access = "Access enabled" on AND not removed at the source AND (a rule matches while the
 * paid-until date, if any, has not passed OR a per-user grant OR a running grace period).
 * A paid-until date ends only the rule-based way in: a grant is the admin's word and outlives it.
 */
export function decideAccess(ruleSet: Pick<AccessRuleSet, "rules">, person: AccessFacts, now: number): AccessDecision {
  if (!person.accessEnabled) return { allowed: false, reason: "access_disabled", until: null };
  if (person.removedAtSourceAt !== null) return { allowed: false, reason: "removed_at_source", until: null };
  // Each way in, with when it ends (Infinity: no end known).
  const ends: number[] = [];
  if (person.hasGrant) ends.push(Infinity);
  if (rulesMatch(ruleSet, person) && (person.paidUntil === null || person.paidUntil > now))
    ends.push(person.paidUntil ?? Infinity);
  if (person.graceUntil !== null && person.graceUntil > now) ends.push(person.graceUntil);
  if (ends.length === 0) return { allowed: false, reason: "no_matching_rule_or_grant", until: null };
  const until = Math.max(...ends);
  return { allowed: true, reason: null, until: until === Infinity ? null : until };
}

export function hasEffectiveAccess(ruleSet: Pick<AccessRuleSet, "rules">, person: AccessFacts, now: number): boolean {
  return decideAccess(ruleSet, person, now).allowed;
}

/** What the row remembers between writes to know when its rules stop matching. */
export type GraceState = {
  /** Whether the rules matched at the last write that looked; a new row starts false (a person who never matched gets no grace). */
  rulesMatched: boolean;
  graceUntil: number | null;
  /** The membership status that ended the match, for "grace: membership Expired". */
  graceStatus: string | null;
};

/**
 * After sync or an admin changed a person's details: a match lost starts the grace period (when the
 * set has one), a match regained ends it at once. Rule-set edits do not start graces (the preview shows
 * their effect and they apply immediately); see ADR 0010.
 */
export function nextGraceState(
  ruleSet: AccessRuleSet,
  previous: GraceState,
  person: RuleSubject,
  now: number,
): GraceState {
  const matches = rulesMatch(ruleSet, person);
  if (matches) return { rulesMatched: true, graceUntil: null, graceStatus: null };
  if (!previous.rulesMatched) return previous;
  if (ruleSet.graceDays <= 0) return { rulesMatched: false, graceUntil: null, graceStatus: null };
  return { rulesMatched: false, graceUntil: now + ruleSet.graceDays * DAY_MS, graceStatus: person.membershipStatus };
}
