import { asc, eq, sql } from "drizzle-orm";
import { STARTING_RULE_SET, type AccessRule, type AccessRuleSet } from "@uas/domain";
import type { Db, DbOrTx } from "../database";
import { accessRule, accessRuleSet, auditEntry } from "../schema";
import { newId } from "../ids";
import { effectiveAccess, refreshAccessUntilStatement, rulesMatchSql } from "./effective-access";

export const ACCESS_RULES_AUDIT_ACTION = "access_rules.updated";

export type StoredAccessRuleSet = AccessRuleSet & {
  /** False while the facility keeps the starting set (it never saved its rules). */
  saved: boolean;
  updatedAt: number | null;
};

/** A stored rule as the domain's AccessRule. */
export function ruleOf(row: typeof accessRule.$inferSelect): AccessRule {
  return row.kind === "tags"
    ? { kind: "tags", tags: row.tags }
    : { kind: "person_type", personType: row.personType, statuses: row.statuses };
}

export async function getAccessRuleSet(db: DbOrTx, facilityId: string): Promise<StoredAccessRuleSet> {
  const [set] = await db.select().from(accessRuleSet).where(eq(accessRuleSet.facilityId, facilityId));
  if (!set) return { ...STARTING_RULE_SET, saved: false, updatedAt: null };
  const rows = await db
    .select()
    .from(accessRule)
    .where(eq(accessRule.facilityId, facilityId))
    .orderBy(asc(accessRule.position));
  const rules = rows.map(ruleOf);
  return { rules, graceDays: set.graceDays, saved: true, updatedAt: set.updatedAt };
}

/** The person types, statuses and tags in the facility's data: what the editor offers. */
export async function accessRuleVocabulary(db: DbOrTx, facilityId: string) {
  const distinct = async (expression: string) =>
    (
      await db.all<{ value: string }>(sql`SELECT DISTINCT ${sql.raw(expression)} AS value FROM access_user AS u
        WHERE u.facility_id = ${facilityId} AND ${sql.raw(expression)} IS NOT NULL AND ${sql.raw(expression)} <> '' ORDER BY 1 LIMIT 200`)
    ).map((row) => row.value);
  const tagsOf = async (column: string) =>
    (
      await db.all<{
        value: string;
      }>(sql`SELECT DISTINCT t.value AS value FROM access_user AS u, json_each(${sql.raw(`u.${column}`)}) AS t
        WHERE u.facility_id = ${facilityId} ORDER BY 1 LIMIT 200`)
    ).map((row) => row.value);
  const [personTypes, statuses, syncedTags, customTags] = await Promise.all([
    distinct("u.person_type"),
    distinct("u.membership_status"),
    tagsOf("synced_tags"),
    tagsOf("custom_tags"),
  ]);
  return { personTypes, statuses, tags: [...new Set([...syncedTags, ...customTags])].sort() };
}

export type AccessRulesPreview = {
  /** People with access now who would have none under the candidate set, and the reverse. */
  lose: number;
  gain: number;
  total: number;
  sample: { lose: PreviewPerson[]; gain: PreviewPerson[] };
};
type PreviewPerson = { id: string; name: string; personType: string | null; membershipStatus: string | null };

/** What saving `candidate` would change now, counted in one scan of the facility. */
export async function previewAccessRuleSet(
  db: DbOrTx,
  input: { facilityId: string; candidate: Pick<AccessRuleSet, "rules">; now: number; sampleSize: number },
): Promise<AccessRulesPreview> {
  const before = effectiveAccess("u", input.now);
  const after = effectiveAccess("u", input.now, input.candidate);
  const [counts] = await db.all<{ total: number; lose: number | null; gain: number | null }>(sql`
    SELECT count(*) AS total, sum(${before} AND NOT ${after}) AS lose, sum(NOT ${before} AND ${after}) AS gain
    FROM access_user AS u WHERE u.facility_id = ${input.facilityId}`);
  const sampleOf = (condition: ReturnType<typeof sql>) =>
    db.all<{
      id: string;
      first_name: string;
      last_name: string;
      person_type: string | null;
      membership_status: string | null;
    }>(sql`
      SELECT u.id, u.first_name, u.last_name, u.person_type, u.membership_status FROM access_user AS u
      WHERE u.facility_id = ${input.facilityId} AND ${condition}
      ORDER BY u.last_name, u.first_name, u.id LIMIT ${input.sampleSize}`);
  const [lose, gain] = await Promise.all([
    sampleOf(sql`${before} AND NOT ${after}`),
    sampleOf(sql`NOT ${before} AND ${after}`),
  ]);
  const person = (row: (typeof lose)[number]): PreviewPerson => ({
    id: row.id,
    name: [row.first_name, row.last_name].filter(Boolean).join(" "),
    personType: row.person_type,
    membershipStatus: row.membership_status,
  });
  return {
    total: counts?.total ?? 0,
    lose: counts?.lose ?? 0,
    gain: counts?.gain ?? 0,
    sample: { lose: lose.map(person), gain: gain.map(person) },
  };
}

/**
 * Saves the facility's rule set in one transaction with its audit entry. Rule edits apply at once and
 * start no grace (the preview showed their effect): every row's remembered match is brought up to date,
 * and a running grace ends for whoever the new rules admit.
 */
export async function saveAccessRuleSet(
  db: Db,
  input: {
    organisationId: string;
    facilityId: string;
    ruleSet: AccessRuleSet;
    actorUserId: string | null;
    now: number;
    /** Written to the audit entry: what the admin saw in the preview. */
    effect: { lose: number; gain: number };
  },
): Promise<void> {
  const { facilityId, ruleSet, now } = input;
  await db.transaction(async (tx) => {
    const previous = await getAccessRuleSet(tx, facilityId);
    await tx
      .insert(accessRuleSet)
      .values({ facilityId, graceDays: ruleSet.graceDays, updatedAt: now, updatedBy: input.actorUserId })
      .onConflictDoUpdate({
        target: accessRuleSet.facilityId,
        set: { graceDays: ruleSet.graceDays, updatedAt: now, updatedBy: input.actorUserId },
      });
    await tx.delete(accessRule).where(eq(accessRule.facilityId, facilityId));
    if (ruleSet.rules.length > 0) {
      await tx.insert(accessRule).values(
        ruleSet.rules.map((rule, position) => ({
          id: newId("arl"),
          facilityId,
          position,
          kind: rule.kind,
          personType: rule.kind === "person_type" ? rule.personType : null,
          statuses: rule.kind === "person_type" ? rule.statuses : [],
          tags: rule.kind === "tags" ? rule.tags : [],
        })),
      );
    }
    const match = sql.raw(rulesMatchSql("access_user"));
    await tx.run(sql`
      UPDATE access_user SET rules_matched = ${match},
        grace_until = CASE WHEN ${match} THEN NULL ELSE grace_until END,
        grace_status = CASE WHEN ${match} THEN NULL ELSE grace_status END
      WHERE facility_id = ${facilityId} AND (rules_matched IS NOT ${match} OR (grace_until IS NOT NULL AND ${match}))`);
    // The stored answers follow the new rules (rows whose grace just ended were recomputed by their trigger).
    await tx.run(refreshAccessUntilStatement(facilityId));
    await tx.insert(auditEntry).values({
      organisationId: input.organisationId,
      facilityId,
      actorUserId: input.actorUserId,
      action: ACCESS_RULES_AUDIT_ACTION,
      detail: {
        before: { rules: previous.rules, graceDays: previous.graceDays, saved: previous.saved },
        after: { rules: ruleSet.rules, graceDays: ruleSet.graceDays },
        effect: input.effect,
      },
      at: now,
    });
  });
}

/** The user panel's access facts beyond the row: whether a grant applies. */
export async function hasGrant(db: DbOrTx, userId: string): Promise<boolean> {
  const [row] = await db.all<{ n: number }>(
    sql`SELECT EXISTS (SELECT 1 FROM access_grant WHERE user_id = ${userId}) AS n`,
  );
  return row?.n === 1;
}
