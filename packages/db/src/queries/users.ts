import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../database";
import { accessGrant, accessLogEntry, accessUser, integration, invitation } from "../schema";
import { newId } from "../ids";

export type AccessUserRow = typeof accessUser.$inferSelect;

/** One row of this facility, with its integration's name and invitation; undefined for another facility's id. */
export async function findAccessUser(db: DbOrTx, facilityId: string, userId: string) {
  const [row] = await db
    .select({
      user: accessUser,
      integrationName: integration.name,
      invitation: {
        state: invitation.state,
        queuedAt: invitation.queuedAt,
        sentAt: invitation.sentAt,
        error: invitation.error,
      },
    })
    .from(accessUser)
    .leftJoin(integration, eq(integration.id, accessUser.integrationId))
    .leftJoin(invitation, eq(invitation.userId, accessUser.id))
    .where(and(eq(accessUser.facilityId, facilityId), eq(accessUser.id, userId)))
    .limit(1);
  if (!row) return undefined;
  return { ...row, invitation: row.invitation?.state ? row.invitation : null };
}

export type ManualUserInput = {
  facilityId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  mobilePhone: string | null;
};

export async function insertManualUser(db: DbOrTx, input: ManualUserInput, now: number) {
  const [row] = await db
    .insert(accessUser)
    .values({ id: newId("usr"), source: "manual", ...input, createdAt: now, updatedAt: now })
    .returning();
  return row!;
}

export type AccessUserPatch = Partial<
  Pick<
    AccessUserRow,
    | "accessEnabled"
    | "trackSourceUpdates"
    | "customTags"
    | "notes"
    | "appMessage"
    | "firstName"
    | "lastName"
    | "email"
    | "mobilePhone"
    | "personType"
    | "membershipStatus"
  >
>;

/** Writes an admin's patch; the version bump invalidates any bulk-delete preview that included the row. */
export async function updateAccessUser(
  db: DbOrTx,
  facilityId: string,
  userId: string,
  patch: AccessUserPatch,
  now: number,
) {
  const [row] = await db
    .update(accessUser)
    .set({ ...patch, updatedAt: now, version: sql`${accessUser.version} + 1` })
    .where(and(eq(accessUser.facilityId, facilityId), eq(accessUser.id, userId)))
    .returning();
  return row;
}

export async function listGrants(db: DbOrTx, userId: string) {
  return db
    .select({ id: accessGrant.id, name: accessGrant.name, createdAt: accessGrant.createdAt })
    .from(accessGrant)
    .where(eq(accessGrant.userId, userId))
    .orderBy(asc(accessGrant.name));
}

/**
 * Adds a grant and bumps the row's version in one transaction: the version is what a bulk-delete
 * preview's token fingerprints, so a grant must never land without it. (A transaction rather than a
 * batch: a failed statement of a libSQL batch over HTTP leaves a rejected promise nobody awaits.)
 */
export async function insertGrant(db: Db, userId: string, name: string, now: number) {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(accessGrant)
      .values({ id: newId("grt"), userId, name, createdAt: now })
      .returning();
    await bumpVersion(tx, userId, now);
    return row!;
  });
}

/**
 * Deletes a grant only if it belongs to this user of this facility, bumping the row's version in the
 * same transaction (see insertGrant); returns whether one was removed.
 */
export async function deleteGrant(db: Db, facilityId: string, userId: string, grantId: string, now: number) {
  const owned = db
    .select({ id: accessUser.id })
    .from(accessUser)
    .where(and(eq(accessUser.facilityId, facilityId), eq(accessUser.id, userId)));
  return db.transaction(async (tx) => {
    const removed = await tx
      .delete(accessGrant)
      .where(and(eq(accessGrant.id, grantId), eq(accessGrant.userId, userId), inArray(accessGrant.userId, owned)))
      .returning({ id: accessGrant.id });
    if (removed.length === 0) return false;
    await bumpVersion(tx, userId, now);
    return true;
  });
}

/** The person's door events, newest first (access_log_user_idx). */
export async function listAccessLogForUser(db: DbOrTx, facilityId: string, userId: string, limit: number) {
  return db
    .select({
      id: accessLogEntry.id,
      door: accessLogEntry.door,
      result: accessLogEntry.result,
      at: accessLogEntry.at,
    })
    .from(accessLogEntry)
    .where(and(eq(accessLogEntry.userId, userId), eq(accessLogEntry.facilityId, facilityId)))
    .orderBy(desc(accessLogEntry.at), desc(accessLogEntry.id))
    .limit(limit);
}

/** A version bump, so bulk-delete previews notice grant changes too. */
async function bumpVersion(db: DbOrTx, userId: string, now: number) {
  await db
    .update(accessUser)
    .set({ updatedAt: now, version: sql`${accessUser.version} + 1` })
    .where(eq(accessUser.id, userId));
}
