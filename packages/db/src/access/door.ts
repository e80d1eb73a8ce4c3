import { and, eq, sql } from "drizzle-orm";
import type { AccessFacts } from "@uas/domain";
import type { DbOrTx } from "../database";
import { doorApiKey } from "../schema";
import { effectiveAccessSql } from "./effective-access";

export async function saveDoorApiKey(
  db: DbOrTx,
  input: { facilityId: string; keyHash: string; keyPrefix: string; createdBy: string | null; now: number },
): Promise<void> {
  const values = { keyHash: input.keyHash, keyPrefix: input.keyPrefix, createdAt: input.now, createdBy: input.createdBy };
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
  const removed = await db.delete(doorApiKey).where(and(eq(doorApiKey.facilityId, facilityId))).returning();
  return removed.length > 0;
}

export type DoorIdentifier = { userId: string } | { email: string } | { mobilePhone: string };

/** A row the door asked about: the facts the domain decides from, and the SQL predicate's answer. */
export type DoorCandidate = AccessFacts & { id: string; allowedBySql: boolean };

/**
 * The facility's rows for one identifier (an email or phone may name a manual and a synced row), with
 * the key's hash: one statement on the (facility, id/email/phone) indexes, whatever the facility's size.
 */
export async function findDoorCandidates(db: DbOrTx, input: { facilityId: string; identifier: DoorIdentifier; now: number }) {
  const by =
    "userId" in input.identifier
      ? sql`u.id = ${input.identifier.userId}`
      : "email" in input.identifier
        ? sql`u.email = ${input.identifier.email}`
        : sql`u.mobile_phone = ${input.identifier.mobilePhone}`;
  const rows = await db.all<{
    id: string; access_enabled: number; removed_at_source_at: number | null; person_type: string | null;
    membership_status: string | null; synced_tags: string; custom_tags: string; has_grant: number;
    grace_until: number | null; paid_until: number | null; allowed: number;
  }>(sql`
    SELECT u.id, u.access_enabled, u.removed_at_source_at, u.person_type, u.membership_status, u.synced_tags, u.custom_tags,
      EXISTS (SELECT 1 FROM access_grant AS g WHERE g.user_id = u.id) AS has_grant, u.grace_until, u.paid_until,
      ${sql.raw(effectiveAccessSql("u", input.now))} AS allowed
    FROM access_user AS u WHERE u.facility_id = ${input.facilityId} AND ${by} LIMIT 10`);
  return rows.map(
    (row): DoorCandidate => ({
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
    }),
  );
}
