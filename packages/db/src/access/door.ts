import { and, asc, eq, sql } from "drizzle-orm";
import { STARTING_RULE_SET, type AccessFacts, type AccessRuleSet } from "@uas/domain";
import type { Db, DbOrTx } from "../database";
import { accessRule, accessRuleSet, doorApiKey } from "../schema";
import { storedEffectiveAccess } from "./effective-access";
import { ruleOf } from "./rule-sets";

export async function saveDoorApiKey(
  db: DbOrTx,
  input: { facilityId: string; keyHash: string; keyPrefix: string; createdBy: string | null; now: number },
): Promise<void> {
  const values = {
    keyHash: input.keyHash,
    keyPrefix: input.keyPrefix,
    createdAt: input.now,
    createdBy: input.createdBy,
  };
  await db
    .insert(doorApiKey)
    .values({ facilityId: input.facilityId, ...values })
    .onConflictDoUpdate({ target: doorApiKey.facilityId, set: values });
}

export async function findDoorApiKey(db: DbOrTx, facilityId: string) {
  const [row] = await db.select().from(doorApiKey).where(eq(doorApiKey.facilityId, facilityId));
  return row;
}

export async function deleteDoorApiKey(db: DbOrTx, facilityId: string): Promise<boolean> {
  const removed = await db
    .delete(doorApiKey)
    .where(and(eq(doorApiKey.facilityId, facilityId)))
    .returning();
  return removed.length > 0;
}

export type DoorIdentifier = { userId: string } | { email: string } | { mobilePhone: string };

/** A row the door asked about: the facts the domain decides from, and the SQL predicate's answer. */
export type DoorCandidate = AccessFacts & { id: string; allowedBySql: boolean };

type CandidateRow = {
  id: string;
  access_enabled: number;
  removed_at_source_at: number | null;
  person_type: string | null;
  membership_status: string | null;
  synced_tags: string;
  custom_tags: string;
  has_grant: number;
  grace_until: number | null;
  paid_until: number | null;
  allowed: number;
};

function candidatesQuery(db: DbOrTx, input: { facilityId: string; identifier: DoorIdentifier; now: number }) {
  const by =
    "userId" in input.identifier
      ? sql`u.id = ${input.identifier.userId}`
      : "email" in input.identifier
        ? sql`u.email = ${input.identifier.email}`
        : sql`u.mobile_phone = ${input.identifier.mobilePhone}`;
  return db.all<CandidateRow>(sql`
    SELECT u.id, u.access_enabled, u.removed_at_source_at, u.person_type, u.membership_status, u.synced_tags, u.custom_tags,
      EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = u.id) AS has_grant, u.grace_until, u.paid_until,
      ${storedEffectiveAccess("u", input.now)} AS allowed
    FROM access_user AS u WHERE u.facility_id = ${input.facilityId} AND ${by} LIMIT 10`);
}

function candidateOf(row: CandidateRow): DoorCandidate {
  return {
    id: row.id,
    accessEnabled: row.access_enabled === 1,
    removedAtSourceAt: row.removed_at_source_at,
    personType: row.person_type,
    membershipStatus: row.membership_status,
    syncedTags: JSON.parse(row.synced_tags) as string[],
    customTags: JSON.parse(row.custom_tags) as string[],
    hasGrant: row.has_grant === 1,
    graceUntil: row.grace_until,
    paidUntil: row.paid_until,
    allowedBySql: row.allowed === 1,
  };
}

/**
 * The facility's rows for one identifier (an email or phone may name a manual and a synced row), with
 * the stored answer of the one definition (access_until): one statement on the (facility, id/email/phone)
 * indexes, whatever the facility's size, whose text never changes (the clock is bound), so the database
 * prepares it once.
 */
export async function findDoorCandidates(
  db: DbOrTx,
  input: { facilityId: string; identifier: DoorIdentifier; now: number },
) {
  return (await candidatesQuery(db, input)).map(candidateOf);
}

/**
 * Everything the door's check reads, in one batch (one round trip to the database): the key's hash, the
 * person's rows and the facility's rule set.
 */
export async function loadDoorCheck(
  db: Db,
  input: { facilityId: string; identifier: DoorIdentifier | null; now: number },
) {
  const [keys, candidates, sets, rules] = await db.batch([
    db.select({ keyHash: doorApiKey.keyHash }).from(doorApiKey).where(eq(doorApiKey.facilityId, input.facilityId)),
    input.identifier
      ? candidatesQuery(db, { ...input, identifier: input.identifier })
      : db.all<CandidateRow>(sql`SELECT NULL WHERE 0`),
    db
      .select({ graceDays: accessRuleSet.graceDays })
      .from(accessRuleSet)
      .where(eq(accessRuleSet.facilityId, input.facilityId)),
    db.select().from(accessRule).where(eq(accessRule.facilityId, input.facilityId)).orderBy(asc(accessRule.position)),
  ]);
  const set = sets[0];
  const ruleSet: AccessRuleSet = set
    ? {
        graceDays: set.graceDays,
        rules: rules.map(ruleOf),
      }
    : STARTING_RULE_SET;
  return { keyHash: keys[0]?.keyHash ?? null, candidates: (candidates as CandidateRow[]).map(candidateOf), ruleSet };
}
