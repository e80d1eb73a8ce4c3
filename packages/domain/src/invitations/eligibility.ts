import { type AccessFacts, type AccessRuleSet, hasEffectiveAccess } from "../access/rules";
import { isManualSource, type Source } from "../sources/kinds";

/** What auto-send looks at for one User Access row. */
export type InvitationFacts = AccessFacts & {
  source: Source;
  trackSourceUpdates: boolean;
  email: string | null;
};

/**
 * Who Auto-send invites (the help page's "Automatic invitations"): a synced row still tracking its source
 * (a decoupled row is managed by hand), with effective access (the access rules' one definition), and an
 * email to send to. The facility's Auto-send switch and "never invited before" are the caller's.
 * The engine's SQL (`invitation-outbox.ts`) is this predicate set-based; a test holds the two equal.
 */
export function isAutoInviteEligible(
  ruleSet: Pick<AccessRuleSet, "rules">,
  person: InvitationFacts,
  now: number,
): boolean {
  return (
    !isManualSource(person.source) &&
    person.trackSourceUpdates &&
    person.email !== null &&
    person.email !== "" &&
    hasEffectiveAccess(ruleSet, person, now)
  );
}
