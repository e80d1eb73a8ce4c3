import { and, eq, sql } from "drizzle-orm";
import type { AccessFacts } from "@uas/domain";
import type { Db, DbOrTx } from "../database";
import { doorApiKey } from "../schema";
import { storedEffectiveAccess } from "./effective-access";

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

/** One row of the door's answer: the stored answer of the one definition and what names a denial. */
export type DoorAnswerRow = {
  id: string;
  accessEnabled: boolean;
  removedAtSource: boolean;
  /** `access_user.access_until` (effective-access.ts): allowed while it is later than now. */
  accessUntil: number;
};

export type DoorRead = {
  /** False when no such facility: answered like a wrong key. */
  facilityFound: boolean;
  countryCode: string;
  keyHash: string | null;
  rows: DoorAnswerRow[];
};

const DOOR_COLUMN = { userId: "id", email: "email", mobilePhone: "mobile_phone" } as const;

/**
 * Everything the door's check reads, in ONE statement on primary keys and the (facility, id/email/phone)
 * indexes: the facility's country (how a phone is read), its door key's hash, and the person's rows with
 * the stored answer (`access_until`, kept by triggers), so nothing is evaluated per request. Plain SQL on
 * the client (no batch, no transaction, no query builder): three statement texts, each prepared once.
 * An email or phone may name several rows (a manual and a synced one); a null identifier matches none.
 */
export async function readDoorAnswer(
  db: Db,
  input: { facilityId: string; identifier: DoorIdentifier | null },
): Promise<DoorRead> {
  const [kind, value] = input.identifier
    ? (Object.entries(input.identifier)[0] as [keyof typeof DOOR_COLUMN, string])
    : (["userId", null] as const);
  const { rows } = await db.$client.execute({
    sql: `SELECT f.country_code AS countryCode, k.key_hash AS keyHash, u.id AS id, u.access_enabled AS accessEnabled,
        u.removed_at_source_at IS NOT NULL AS removed, u.access_until AS accessUntil
      FROM facility AS f
      LEFT JOIN door_api_key AS k ON k.facility_id = f.id
      LEFT JOIN access_user AS u ON u.facility_id = f.id AND u.${DOOR_COLUMN[kind]} = ?
      WHERE f.id = ? LIMIT 10`,
    args: [value, input.facilityId],
  });
  const first = rows[0];
  return {
    facilityFound: first !== undefined,
    countryCode: first ? String(first.countryCode ?? "") : "",
    keyHash: first?.keyHash == null ? null : String(first.keyHash),
    rows: rows
      .filter((row) => row.id !== null)
      .map((row) => ({
        id: String(row.id),
        accessEnabled: Number(row.accessEnabled) === 1,
        removedAtSource: Number(row.removed) === 1,
        accessUntil: Number(row.accessUntil),
      })),
  };
}
