import { sql, type SQL } from "drizzle-orm";
import { DAY_MS, type AccessRuleSet } from "@uas/domain";
import { ident, jsonLiteral, sqlJoin, sqlText, type SqlText } from "../sql-text";
import type { DbOrTx } from "../database";

/**
 * The domain's effective access (decideAccess) as one SQL predicate over a row of access_user, so
 * counts, filters and eligibility are set-based. `user` is how the row is named in the enclosing query
 * (an alias such as `u`, or `access_user`). test/effective-access.test.ts checks it against the domain.
 */

/** Where a rule's fields come from: the facility's saved rules, or a candidate set (the editor's preview). */
type RuleColumns = { kind: SqlText; personType: SqlText; statuses: SqlText; tags: SqlText };

function ruleMatchesSql(rule: RuleColumns, user: SqlText): SqlText {
  // Values compare exactly; a NULL status or type never equals a listed one.
  return sqlText`(CASE ${rule.kind}
    WHEN 'tags' THEN EXISTS (SELECT 1 FROM json_each(${rule.tags}) AS rt
      WHERE rt.value IN (SELECT value FROM json_each(${user}.synced_tags))
         OR rt.value IN (SELECT value FROM json_each(${user}.custom_tags)))
    ELSE (${rule.personType} IS NULL OR ${rule.personType} = ${user}.person_type)
      AND (json_array_length(${rule.statuses}) = 0
        OR ${user}.membership_status IN (SELECT value FROM json_each(${rule.statuses})))
  END)`;
}

/** The facility's saved rules; a facility with no saved set keeps the starting set, which admits everyone. */
function storedRulesMatchSql(user: SqlText): SqlText {
  const stored = {
    kind: sqlText`r.kind`,
    personType: sqlText`r.person_type`,
    statuses: sqlText`r.statuses`,
    tags: sqlText`r.tags`,
  };
  return sqlText`(NOT EXISTS (SELECT 1 FROM access_rule_set AS rs WHERE rs.facility_id = ${user}.facility_id)
    OR EXISTS (SELECT 1 FROM access_rule AS r WHERE r.facility_id = ${user}.facility_id AND ${ruleMatchesSql(stored, user)}))`;
}

function candidateRulesMatchSql(user: SqlText, ruleSet: Pick<AccessRuleSet, "rules">): SqlText {
  const candidate = {
    kind: sqlText`c.value->>'kind'`,
    personType: sqlText`c.value->>'personType'`,
    statuses: sqlText`coalesce(c.value->'statuses', '[]')`,
    tags: sqlText`coalesce(c.value->'tags', '[]')`,
  };
  return sqlText`EXISTS (SELECT 1 FROM json_each(${jsonLiteral(ruleSet.rules)}) AS c WHERE ${ruleMatchesSql(candidate, user)})`;
}

/** Whether the rules admit the row's current details (time limits aside): the domain's rulesMatch. */
export function rulesMatchSql(user: SqlText, candidate?: Pick<AccessRuleSet, "rules">): SqlText {
  return candidate ? candidateRulesMatchSql(user, candidate) : storedRulesMatchSql(user);
}

/** "Until further notice": later than any clock (the largest time a JS Date holds). */
export const ACCESS_FOREVER = 8_640_000_000_000_000;

/**
 * The moment effective access ends, as of the row's facts: 0 when it has none. "Access enabled" on AND
 * not removed at the source, then the latest of: a grant (forever), a running grace's end, and — while
 * the rules match — the paid-until date (forever without one). The one definition: effective access at
 * `now` is `accessUntil > now` (effectiveAccessSql), and the stored `access_user.access_until` is this
 * expression, kept current by triggers (accessUntilTriggerStatements) and by saving a rule set.
 * With `candidate`, the same with a rule set not yet saved (the preview).
 */
export function accessUntilSql(user: SqlText, candidate?: Pick<AccessRuleSet, "rules">): SqlText {
  return sqlText`(CASE WHEN ${user}.access_enabled = 1 AND ${user}.removed_at_source_at IS NULL THEN max(
    CASE WHEN EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = ${user}.id) THEN ${ACCESS_FOREVER} ELSE 0 END,
    coalesce(${user}.grace_until, 0),
    CASE WHEN ${rulesMatchSql(user, candidate)} THEN coalesce(${user}.paid_until, ${ACCESS_FOREVER}) ELSE 0 END)
  ELSE 0 END)`;
}

/**
 * Effective access at `now`, computed from the row's facts and the rules: "Access enabled" on AND not
 * removed at the source AND (a grant OR a running grace OR the rules match while the paid-until date has
 * not passed). With `candidate`, the same with a rule set not yet saved (the preview).
 */
export function effectiveAccessSql(user: SqlText, now: number, candidate?: Pick<AccessRuleSet, "rules">): SqlText {
  return sqlText`(${accessUntilSql(user, candidate)} > ${now})`;
}

/** The same, for drizzle queries. */
export function effectiveAccess(user: string, now: number, candidate?: Pick<AccessRuleSet, "rules">): SQL {
  return sql.raw(effectiveAccessSql(ident(user), now, candidate).text);
}

/**
 * The same answer read from the stored column: one comparison, served by the (facility, access_until)
 * index, with `now` bound (so the statement's text, and its prepared plan, stay the same).
 * test/stored-access.test.ts proves it equals effectiveAccess after every kind of write.
 */
export function storedEffectiveAccess(user: string, now: number): SQL {
  return sql`(${sql.raw(user)}.access_until > ${now})`;
}

/** The columns of access_user that accessUntilSql reads: a change to any of them recomputes the row. */
const ACCESS_INPUTS = [
  "facility_id",
  "access_enabled",
  "removed_at_source_at",
  "grace_until",
  "paid_until",
  "person_type",
  "membership_status",
  "synced_tags",
  "custom_tags",
  // A direct write of the stored answer is corrected at once.
  "access_until",
];

/**
 * The triggers that keep `access_user.access_until` equal to accessUntilSql: on a new row, on a change
 * to any fact it reads, and on a grant given or taken. (Rule edits recompute the facility in
 * saveAccessRuleSet, once, rather than once per rule row.) migrations/0011 holds this text;
 * test/stored-access.test.ts checks it still does.
 */
export function accessUntilTriggerStatements(): string[] {
  const row = accessUntilSql(ident("access_user")).text;
  // Data-free DDL (migrations/0011 holds the same text): only the access expression and column names.
  const refresh = (where: string) =>
    `UPDATE access_user SET access_until = ${row} WHERE ${where} AND access_until IS NOT ${row};`;
  const changed = sqlJoin(
    ACCESS_INPUTS.map((column) => sqlText`NEW.${ident(column)} IS NOT OLD.${ident(column)}`),
    " OR ",
  ).text;
  return [
    `CREATE TRIGGER access_user_access_until_insert AFTER INSERT ON access_user BEGIN
  ${refresh("rowid = NEW.rowid")}
END`,
    `CREATE TRIGGER access_user_access_until_update AFTER UPDATE OF ${ACCESS_INPUTS.join(", ")} ON access_user
WHEN ${changed} BEGIN
  ${refresh("rowid = NEW.rowid")}
END`,
    `CREATE TRIGGER access_grant_access_until_insert AFTER INSERT ON access_grant BEGIN
  ${refresh("id = NEW.user_id")}
END`,
    `CREATE TRIGGER access_grant_access_until_delete AFTER DELETE ON access_grant BEGIN
  ${refresh("id = OLD.user_id")}
END`,
    `CREATE TRIGGER access_grant_access_until_update AFTER UPDATE OF user_id ON access_grant BEGIN
  ${refresh("id IN (OLD.user_id, NEW.user_id)")}
END`,
  ];
}

/** Brings the facility's stored answers up to date (after its rules changed): only rows that differ are written. */
export function refreshAccessUntilStatement(facilityId: string): SQL {
  const row = sql.raw(accessUntilSql(ident("access_user")).text);
  return sql`UPDATE access_user SET access_until = ${row} WHERE facility_id = ${facilityId} AND access_until IS NOT ${row}`;
}

/**
 * After sync or an admin changed these rows' details: the domain's nextGraceState, set-based. A row whose
 * rules stopped matching starts its grace (when the facility's set has one); a match ends a grace at once.
 * Only rows whose state changes are written.
 */
export function accessGraceStatements(userIds: readonly string[], now: number): SqlText[] {
  if (userIds.length === 0) return [];
  const match = rulesMatchSql(ident("access_user"));
  const graceDays = sqlText`(SELECT rs.grace_days FROM access_rule_set AS rs WHERE rs.facility_id = access_user.facility_id)`;
  return [
    sqlText`UPDATE access_user SET
      grace_until = CASE WHEN ${match} THEN NULL
        WHEN rules_matched = 1 THEN CASE WHEN coalesce(${graceDays}, 0) > 0 THEN ${now} + ${graceDays} * ${DAY_MS} END
        ELSE grace_until END,
      grace_status = CASE WHEN ${match} THEN NULL
        WHEN rules_matched = 1 THEN CASE WHEN coalesce(${graceDays}, 0) > 0 THEN membership_status END
        ELSE grace_status END,
      rules_matched = ${match}
    WHERE id IN (SELECT value FROM json_each(${jsonLiteral(userIds)})) AND rules_matched IS NOT ${match}`,
  ];
}

/** The same, run now: after an admin's edit of one person's details or custom tags. */
export async function refreshAccessGrace(db: DbOrTx, userIds: readonly string[], now: number): Promise<void> {
  for (const statement of accessGraceStatements(userIds, now)) await db.run(sql.raw(statement.text));
}

/**
 * The triggers that copy each invitation row's state onto its person (access_user.invitation_state), so
 * the User Access list's Invitation chip reads one indexed column. An invitation row is its user's
 * (user_id is its key); migrations/0011 holds this text, test/stored-access.test.ts checks it.
 */
export function invitationStateTriggerStatements(): string[] {
  return [
    `CREATE TRIGGER invitation_state_insert AFTER INSERT ON invitation BEGIN
  UPDATE access_user SET invitation_state = NEW.state WHERE id = NEW.user_id;
END`,
    `CREATE TRIGGER invitation_state_update AFTER UPDATE OF state, user_id ON invitation BEGIN
  UPDATE access_user SET invitation_state = NULL WHERE id = OLD.user_id AND OLD.user_id IS NOT NEW.user_id;
  UPDATE access_user SET invitation_state = NEW.state WHERE id = NEW.user_id;
END`,
    `CREATE TRIGGER invitation_state_delete AFTER DELETE ON invitation BEGIN
  UPDATE access_user SET invitation_state = NULL WHERE id = OLD.user_id;
END`,
  ];
}

/**
 * The triggers that keep access_user.has_grants equal to "holds a per-user grant", so the Access chip's
 * "Without grants" reads one indexed column. migrations/0013 holds this text, test/user-search.test.ts
 * checks it.
 */
export function grantFlagTriggerStatements(): string[] {
  const refresh = (where: string) =>
    `UPDATE access_user SET has_grants = EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = access_user.id) WHERE ${where};`;
  return [
    `CREATE TRIGGER access_grant_flag_insert AFTER INSERT ON access_grant BEGIN
  UPDATE access_user SET has_grants = 1 WHERE id = NEW.user_id AND has_grants = 0;
END`,
    `CREATE TRIGGER access_grant_flag_delete AFTER DELETE ON access_grant BEGIN
  ${refresh("id = OLD.user_id")}
END`,
    `CREATE TRIGGER access_grant_flag_update AFTER UPDATE OF user_id ON access_grant BEGIN
  ${refresh("id IN (OLD.user_id, NEW.user_id)")}
END`,
  ];
}
