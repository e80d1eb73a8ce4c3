import { sql, type SQL } from "drizzle-orm";
import { DAY_MS, type AccessRuleSet } from "@uas/domain";
import { int, json } from "../sql-text";
import type { DbOrTx } from "../database";

/**
 * The domain's effective access (decideAccess) as one SQL predicate over a row of access_user, so
 * counts, filters and eligibility are set-based. `user` is how the row is named in the enclosing query
 * (an alias such as `u`, or `access_user`). test/effective-access.test.ts checks it against the domain.
 */

/** Where a rule's fields come from: the facility's saved rules, or a candidate set (the editor's preview). */
type RuleColumns = { kind: string; personType: string; statuses: string; tags: string };

function ruleMatchesSql(rule: RuleColumns, user: string): string {
  // Values compare exactly; a NULL status or type never equals a listed one.
  return `(CASE ${rule.kind}
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(${rule.tags}) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(${user}.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(${user}.custom_tags)))
    ELSE (${rule.personType} IS NULL OR ${rule.personType} = ${user}.person_type)
      AND (json_array_length(${rule.statuses}) = 0
        OR ${user}.membership_status IN (SELECT value FROM json_each(${rule.statuses})))
  END)`;
}

/** The facility's saved rules; a facility with no saved set keeps the starting set, which admits everyone. */
function storedRulesMatchSql(user: string): string {
  const stored = { kind: "r.kind", personType: "r.person_type", statuses: "r.statuses", tags: "r.tags" };
  return `(NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = ${user}.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = ${user}.facility_id AND ${ruleMatchesSql(stored, user)}))`;
}

function candidateRulesMatchSql(user: string, ruleSet: Pick<AccessRuleSet, "rules">): string {
  const candidate = {
    kind: "c.value->>'kind'",
    personType: "c.value->>'personType'",
    statuses: "coalesce(c.value->'statuses', '[]')",
    tags: "coalesce(c.value->'tags', '[]')",
  };
  return `EXISTS (SELECT 1 FROM json_each(${json(ruleSet.rules)}) AS c WHERE ${ruleMatchesSql(candidate, user)})`;
}

/** Whether the rules admit the row's current details (time limits aside): the domain's rulesMatch. */
export function rulesMatchSql(user: string, candidate?: Pick<AccessRuleSet, "rules">): string {
  return candidate ? candidateRulesMatchSql(user, candidate) : storedRulesMatchSql(user);
}

/**
 * Effective access at `now`: "Access enabled" on AND not removed at the source AND (a grant OR a
 * running grace OR the rules match while the paid-until date has not passed). With `candidate`, the
 * same with a rule set not yet saved (the preview).
 */
export function effectiveAccessSql(user: string, now: number, candidate?: Pick<AccessRuleSet, "rules">): string {
  return `(${user}.access_enabled = 1 AND ${user}.removed_at_source_at IS NULL AND (
    EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = ${user}.id)
    OR coalesce(${user}.grace_until > ${int(now)}, 0)
    OR ((${user}.paid_until IS NULL OR ${user}.paid_until > ${int(now)}) AND ${rulesMatchSql(user, candidate)})))`;
}

/** The same, for drizzle queries. */
export function effectiveAccess(user: string, now: number, candidate?: Pick<AccessRuleSet, "rules">): SQL {
  return sql.raw(effectiveAccessSql(user, now, candidate));
}

/**
 * After sync or an admin changed these rows' details: the domain's nextGraceState, set-based. A row whose
 * rules stopped matching starts its grace (when the facility's set has one); a match ends a grace at once.
 * Only rows whose state changes are written.
 */
export function accessGraceStatements(userIds: readonly string[], now: number): string[] {
  if (userIds.length === 0) return [];
  const match = rulesMatchSql("access_user");
  const graceDays = `(SELECT rs.grace_days FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)`;
  return [
    `UPDATE access_user SET
      grace_until = CASE WHEN ${match} THEN NULL
        WHEN rules_matched = 1 THEN CASE WHEN coalesce(${graceDays}, 0) > 0 THEN ${int(now)} + ${graceDays} * ${DAY_MS} END
        ELSE grace_until END,
      grace_status = CASE WHEN ${match} THEN NULL
        WHEN rules_matched = 1 THEN CASE WHEN coalesce(${graceDays}, 0) > 0 THEN membership_status END
        ELSE grace_status END,
      rules_matched = ${match}
    WHERE id IN (SELECT value FROM json_each(${json(userIds)})) AND rules_matched IS NOT ${match}`,
  ];
}

/** The same, run now: after an admin's edit of one person's details or custom tags. */
export async function refreshAccessGrace(db: DbOrTx, userIds: readonly string[], now: number): Promise<void> {
  for (const statement of accessGraceStatements(userIds, now)) await db.run(sql.raw(statement));
}
