import { and, asc, desc, eq, inArray, isNotNull, isNull, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Source } from "@uas/domain";
import type { Db, DbOrTx } from "../database";
import { accessGrant, accessLogEntry, accessUser, integration, invitation } from "../schema";
import { newId } from "../ids";
import { effectiveAccess } from "../access/effective-access";

/** The User Access list's filters. Every filter is evaluated in the database. */
export type AccessUserFilter = {
  facilityId: string;
  /** Substring of the name, email or external id; `phoneDigits` matches inside the stored E.164 phone. */
  search?: { text: string; phoneDigits: string | null } | undefined;
  source?: Source | undefined;
  /** Only with source "integration": one connected integration. */
  integrationId?: string | undefined;
  state?: "access_on" | "disabled_by_admin" | "removed_at_source" | undefined;
  /** The clock effective access is judged at (grace ends and paid-until dates). */
  now: number;
};

export type AccessUserPage = { offset: number; limit: number };

/** `%`, `_` and the escape itself are literal in a search box. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function filterWhere(filter: AccessUserFilter): SQL {
  const u = accessUser;
  const conditions: Array<SQL | undefined> = [eq(u.facilityId, filter.facilityId)];
  if (filter.source) conditions.push(eq(u.source, filter.source));
  if (filter.source === "integration" && filter.integrationId) conditions.push(eq(u.integrationId, filter.integrationId));
  if (filter.state === "access_on") conditions.push(effectiveAccess("access_user", filter.now));
  if (filter.state === "disabled_by_admin") conditions.push(eq(u.accessEnabled, false));
  if (filter.state === "removed_at_source") conditions.push(isNotNull(u.removedAtSourceAt));
  const words = (filter.search?.text ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 5);
  if (words.length > 0) {
    // Every word must match one of the columns, so "ann smith" and "smith ann" both find Ann Smith.
    // Column by column rather than one concatenated string: building that string costs more than the scan.
    // SQLite's LIKE is case-insensitive for ASCII, which is what names and emails need here.
    const like = (column: SQL | SQLiteColumn, word: string) => sql`${column} LIKE ${likePattern(word)} ESCAPE '\\'`;
    const byWords = and(
      ...words.map((word) => or(like(u.firstName, word), like(u.lastName, word), like(u.email, word), like(u.externalId, word))),
    );
    const digits = filter.search?.phoneDigits;
    conditions.push(digits ? or(byWords, like(u.mobilePhone, digits)) : byWords);
  }
  return and(...conditions)!;
}

const listColumns = {
  id: accessUser.id,
  source: accessUser.source,
  integrationId: accessUser.integrationId,
  integrationName: integration.name,
  externalId: accessUser.externalId,
  firstName: accessUser.firstName,
  lastName: accessUser.lastName,
  email: accessUser.email,
  mobilePhone: accessUser.mobilePhone,
  accessEnabled: accessUser.accessEnabled,
  removedAtSourceAt: accessUser.removedAtSourceAt,
  trackSourceUpdates: accessUser.trackSourceUpdates,
  invitationState: invitation.state,
};

/**
 * One page of a facility's User Access rows, ordered by name, plus the total that matches.
 * The page's row ids are picked first (LIMIT/OFFSET on the (facility, last name, first name) index),
 * and only those rows are joined to their integration and invitation: two statements per page
 * whatever the facility's size, never one per row. At 100,000 rows a page takes a few milliseconds;
 * a search or a sparse filter scans the facility once (tens of milliseconds).
 */
export async function listAccessUsers(db: DbOrTx, filter: AccessUserFilter, page: AccessUserPage) {
  const where = filterWhere(filter);
  // Walking the name index in order stops after one page, unless most rows fail the filter (a search,
  // the minority states): then each skipped row costs a table lookup in random order, and scanning the
  // facility once and sorting the few matches is several times faster ("+" keeps SQLite off the index).
  const sparse = !!filter.search?.text.trim() || filter.state === "disabled_by_admin" || filter.state === "removed_at_source";
  const order = sparse
    ? [sql`+${accessUser.lastName}`, sql`+${accessUser.firstName}`, sql`rowid`]
    : [asc(accessUser.lastName), asc(accessUser.firstName), sql`rowid`];
  const rowsOf = (ids: SQL) =>
    db
      .select({ ...listColumns, hasAccess: sql<number>`${effectiveAccess("access_user", filter.now)}` })
      .from(accessUser)
      .leftJoin(integration, eq(integration.id, accessUser.integrationId))
      .leftJoin(invitation, eq(invitation.userId, accessUser.id))
      .where(sql`${accessUser}.rowid IN ${ids}`)
      .orderBy(asc(accessUser.lastName), asc(accessUser.firstName), sql`${accessUser}.rowid`);
  const countAll = async () => (await db.select({ total: sql<number>`count(*)` }).from(accessUser).where(where))[0]?.total ?? 0;

  if (sparse) {
    // A search scans the facility anyway: one scan yields the page and, through a window count, the total.
    const matches = await db.all<{ rid: number; total: number }>(sql`
      SELECT rowid AS rid, count(*) OVER () AS total FROM ${accessUser} WHERE ${where}
      ORDER BY ${sql.join(order, sql`, `)} LIMIT ${page.limit} OFFSET ${page.offset}`);
    if (matches.length === 0) return { rows: [], total: page.offset === 0 ? 0 : await countAll() };
    const rows = await rowsOf(sql`(${sql.join(matches.map((m) => sql`${m.rid}`), sql`, `)})`);
    return { rows, total: matches[0]!.total };
  }

  const pageIds = db
    .select({ rowid: sql`rowid` })
    .from(accessUser)
    .where(where)
    .orderBy(...order)
    .limit(page.limit)
    .offset(page.offset);
  const [rows, total] = await Promise.all([rowsOf(sql`${pageIds}`), countAll()]);
  return { rows, total };
}

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
export async function updateAccessUser(db: DbOrTx, facilityId: string, userId: string, patch: AccessUserPatch, now: number) {
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
    const [row] = await tx.insert(accessGrant).values({ id: newId("grt"), userId, name, createdAt: now }).returning();
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
