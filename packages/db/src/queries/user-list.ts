import { and, eq, or, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { AccessFilter, InvitationFilter, Source, UserSort } from "@uas/domain";
import type { DbOrTx } from "../database";
import { accessUser, integration, invitation } from "../schema";
import { storedEffectiveAccess } from "../access/effective-access";
import { userSearchLookup } from "./user-search";

/** The User Access list's filters (related-pages.md). Every filter is evaluated in the database. */
export type AccessUserFilter = {
  facilityId: string;
  /** Substring of the name, email or external id; `phoneDigits` matches inside the stored E.164 phone. */
  search?: { text: string; phoneDigits: string | null } | undefined;
  source?: Source | undefined;
  /** Only with source "integration": one connected integration. */
  integrationId?: string | undefined;
  access?: AccessFilter | undefined;
  /** Exact values as stored (the chip's options come from `accessUserFacets`). */
  membershipStatus?: string | undefined;
  personType?: string | undefined;
  /** A synced or a custom tag. */
  tag?: string | undefined;
  invitation?: InvitationFilter | undefined;
  /** The clock effective access is judged at (grace ends and paid-until dates). */
  now: number;
};

export type AccessUserPage = { offset: number; limit: number };

/** `%`, `_` and the escape itself are literal in a LIKE pattern. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

const like = (column: SQL | SQLiteColumn, pattern: string) => sql`${column} LIKE ${pattern} ESCAPE '\\'`;

/**
 * A tag in a JSON array column. The LIKE on the stored text (the tag as JSON writes it, quotes
 * included) is a cheap first cut that skips parsing nearly every row; json_each then checks it exactly
 * (LIKE ignores ASCII case, and a tag such as `,` could match across two elements).
 */
function hasTag(column: "synced_tags" | "custom_tags" | "st" | "ct", tag: string, table = "access_user"): SQL {
  const stored = sql.raw(`${table}.${column}`);
  return sql`(${like(stored, `%${likeEscaped(JSON.stringify(tag))}%`)} AND EXISTS (SELECT 1 FROM json_each(${stored}) WHERE value = ${tag}))`;
}

/**
 * The facility's distinct tag sets (a pair of JSON arrays per row; a facility holds few) as `sets(st, ct)`,
 * by a loose scan of the (facility, synced_tags, custom_tags) index: one seek per distinct pair, so no
 * row's JSON is read or parsed, whatever the facility's size.
 */
function tagSetsCte(facilityId: string): SQL {
  const tagsIndex = sql.raw("access_user INDEXED BY access_user_facility_tags_idx");
  return sql`sets(rid, st, ct) AS (
    SELECT rowid, synced_tags, custom_tags FROM (SELECT rowid, synced_tags, custom_tags FROM ${tagsIndex}
      WHERE facility_id = ${facilityId} ORDER BY synced_tags, custom_tags LIMIT 1)
    UNION ALL
    SELECT n.rowid, n.synced_tags, n.custom_tags FROM sets, access_user AS n WHERE n.rowid = coalesce(
      (SELECT rowid FROM ${tagsIndex} WHERE facility_id = ${facilityId} AND synced_tags = sets.st AND custom_tags > sets.ct
        ORDER BY custom_tags LIMIT 1),
      (SELECT rowid FROM ${tagsIndex} WHERE facility_id = ${facilityId} AND synced_tags > sets.st
        ORDER BY synced_tags, custom_tags LIMIT 1)))`;
}

/** Rows holding the tag: those of the tag sets holding it, each set a range of the tags index. */
function tagWhere(facilityId: string, tag: string): SQL {
  return sql`(access_user.synced_tags, access_user.custom_tags) IN (
    WITH RECURSIVE ${tagSetsCte(facilityId)}
    SELECT st, ct FROM sets WHERE ${hasTag("st", tag, "sets")} OR ${hasTag("ct", tag, "sets")})`;
}

/**
 * "Has access" and "No access" are the access rules' one definition (access/effective-access.ts), read
 * from its stored form: a range of the (facility, access_until) index.
 */
function accessWhere(access: AccessFilter, now: number): SQL {
  switch (access) {
    case "has_access":
      return storedEffectiveAccess("access_user", now);
    // The complement of storedEffectiveAccess, written as a range (access_until is never NULL): NOT (a > b)
    // would read the whole index.
    case "no_access":
      return sql`access_user.access_until <= ${now}`;
    // Switched off by an admin or removed at the source: the people an admin disabled or the source
    // dropped, among the wider No access (which also holds those no rule or grant admits).
    case "disabled":
      return sql`(access_user.access_enabled = 0 OR access_user.removed_at_source_at IS NOT NULL)`;
    // Copied from access_grant by triggers (grantFlagTriggerStatements): a range of the grants index.
    case "without_grants":
      return sql`access_user.has_grants = 0`;
  }
}

function invitationWhere(filter: InvitationFilter): SQL {
  // The invitation's state as copied onto the person (schema: access_user.invitation_state).
  switch (filter) {
    case "invited":
      // Queued counts as invited: it is on its way, and sending it again needs "Resend".
      return sql`access_user.invitation_state IN ('sent', 'queued')`;
    case "send_failed":
      return sql`access_user.invitation_state = 'failed'`;
    case "not_invited":
      return sql`access_user.invitation_state IS NULL`;
  }
}

function searchWords(filter: AccessUserFilter): string[] {
  return (filter.search?.text ?? "").trim().split(/\s+/).filter(Boolean).slice(0, 5);
}

/**
 * The search for words too short for the trigram index (userSearchLookup): every word must match one of
 * the columns, so "ann smith" and "smith ann" both find Ann Smith. Column by column rather than one
 * concatenated string: building that string costs more than the scan. SQLite's LIKE is case-insensitive
 * for ASCII, which is what names and emails need here.
 */
function searchScan(words: readonly string[], digits: string | null | undefined): SQL | undefined {
  const u = accessUser;
  const contains = (column: SQLiteColumn, word: string) => like(column, `%${likeEscaped(word)}%`);
  const byWords = and(
    ...words.map((word) =>
      or(
        contains(u.firstName, word),
        contains(u.lastName, word),
        contains(u.email, word),
        contains(u.externalId, word),
      ),
    ),
  );
  return digits ? or(byWords, contains(u.mobilePhone, digits)) : byWords;
}

export function accessUserWhere(filter: AccessUserFilter): SQL {
  const u = accessUser;
  const conditions: Array<SQL | undefined> = [eq(u.facilityId, filter.facilityId)];
  if (filter.source) conditions.push(eq(u.source, filter.source));
  if (filter.source === "integration" && filter.integrationId)
    conditions.push(eq(u.integrationId, filter.integrationId));
  if (filter.access) conditions.push(accessWhere(filter.access, filter.now));
  if (filter.membershipStatus !== undefined) conditions.push(eq(u.membershipStatus, filter.membershipStatus));
  if (filter.personType !== undefined) conditions.push(eq(u.personType, filter.personType));
  if (filter.tag !== undefined) conditions.push(tagWhere(filter.facilityId, filter.tag));
  if (filter.invitation) conditions.push(invitationWhere(filter.invitation));
  const words = searchWords(filter);
  if (words.length > 0) {
    const digits = filter.search?.phoneDigits;
    conditions.push(userSearchLookup(words, digits) ?? searchScan(words, digits));
  }
  return and(...conditions)!;
}

/**
 * Each sort's ORDER BY, ending in rowid so equal keys keep a stable order across pages. `indexed`: the
 * facility's index on these columns serves it (schema: access_user_facility_*_idx).
 */
const SORTS: Record<UserSort, { columns: Array<{ sql: string; desc: boolean }>; indexed: boolean }> = {
  name: {
    columns: [
      { sql: "last_name", desc: false },
      { sql: "first_name", desc: false },
      { sql: "rowid", desc: false },
    ],
    indexed: true,
  },
  recently_added: {
    columns: [
      { sql: "created_at", desc: true },
      { sql: "rowid", desc: true },
    ],
    indexed: true,
  },
  recently_updated: {
    columns: [
      { sql: "updated_at", desc: true },
      { sql: "rowid", desc: true },
    ],
    indexed: true,
  },
  // Never-synced rows last: SQLite sorts NULL lowest, so DESC puts them at the end.
  last_synced: {
    columns: [
      { sql: "last_synced_at", desc: true },
      { sql: "rowid", desc: true },
    ],
    indexed: true,
  },
};

/** The index whose order is each sort's order (facility first): a page walks it and stops. */
const SORT_INDEX: Record<UserSort, string> = {
  name: "access_user_facility_name_idx",
  recently_added: "access_user_facility_created_idx",
  recently_updated: "access_user_facility_updated_idx",
  last_synced: "access_user_facility_synced_idx",
};

/** `unary +` keeps SQLite from walking an index for the order (see listAccessUsers). */
function orderBy(sort: UserSort, options: { table?: string; avoidIndex?: boolean } = {}): SQL {
  const prefix = options.table ? `${options.table}.` : "";
  const terms = SORTS[sort].columns.map((column) => {
    const expression = column.sql.replace(/^(\w+)/, `${prefix}$1`);
    const operand =
      options.avoidIndex && column.sql !== "rowid" && !column.sql.includes(" ") ? `+${expression}` : expression;
    return `${operand}${column.desc ? " DESC" : ""}`;
  });
  return sql.raw(terms.join(", "));
}

function hasFilter(filter: AccessUserFilter): boolean {
  return (
    !!filter.search?.text.trim() ||
    filter.source !== undefined ||
    filter.access !== undefined ||
    filter.membershipStatus !== undefined ||
    filter.personType !== undefined ||
    filter.tag !== undefined ||
    filter.invitation !== undefined
  );
}

const indexedBy = (index: string) => sql.raw(`access_user INDEXED BY ${index}`);

/**
 * Where a filtered count or page reads from. A search the trigram index answers looks its rows up by
 * rowid. Otherwise the facility is scanned through the chip's own index, else the facility index,
 * whose entries are in rowid order so the table is read front to back. SQLite would otherwise often pick
 * the name index for `facility_id = ?` and look each row up in name order: ten times the cost at 100,000
 * rows (bench/users.bench.ts).
 */
function scanSource(filter: AccessUserFilter): SQL {
  // A search the trigram index answers: the matching rows are looked up by rowid, not the facility scanned.
  const words = searchWords(filter);
  if (words.length > 0 && userSearchLookup(words, filter.search?.phoneDigits))
    return sql.raw("access_user NOT INDEXED");
  if (filter.membershipStatus !== undefined) return indexedBy("access_user_facility_status_idx");
  if (filter.personType !== undefined) return indexedBy("access_user_facility_type_idx");
  if (filter.access === "has_access" || filter.access === "no_access")
    return indexedBy("access_user_facility_access_idx");
  if (filter.access === "disabled") return indexedBy("access_user_facility_disabled_idx");
  if (filter.access === "without_grants") return indexedBy("access_user_facility_grants_idx");
  if (filter.invitation !== undefined) return indexedBy("access_user_facility_invitation_idx");
  if (filter.source !== undefined) return indexedBy("access_user_facility_source_idx");
  // Narrow entries holding the tags: the tag's rows are ranges of it.
  if (filter.tag !== undefined) return indexedBy("access_user_facility_tags_idx");
  return indexedBy("access_user_facility_idx");
}

/**
 * Below this share of the facility, a filtered page scans the filter's own index and sorts what it
 * found; above it, the page walks the sort's index and stops after offset + limit matches, which then
 * costs about (offset + limit) / share row reads.
 */
const WALK_SHARE = 1 / 16;

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
  personType: accessUser.personType,
  membershipStatus: accessUser.membershipStatus,
  accessEnabled: accessUser.accessEnabled,
  removedAtSourceAt: accessUser.removedAtSourceAt,
  trackSourceUpdates: accessUser.trackSourceUpdates,
  lastSyncedAt: accessUser.lastSyncedAt,
  createdAt: accessUser.createdAt,
  updatedAt: accessUser.updatedAt,
  invitationState: invitation.state,
};

/**
 * One page of a facility's User Access rows, filtered and sorted, plus the total that matches.
 * The page's row ids are picked first, and only those rows are joined to their integration and
 * invitation: three statements per page whatever the facility's size, never one per row.
 * Unfiltered, the page walks the sort's index and stops after one page (a few milliseconds at 100,000
 * rows). Filtered (or by Last synced, which has no index), walking an index would look up every
 * skipped row in random order; scanning the facility once in rowid order and keeping the top rows is
 * several times faster ("+" keeps SQLite from walking an index for the order).
 */
export async function listAccessUsers(
  db: DbOrTx,
  filter: AccessUserFilter,
  page: AccessUserPage,
  sort: UserSort = "name",
) {
  const where = accessUserWhere(filter);
  const filtered = hasFilter(filter);
  // The count comes first (through the filter's index, mostly without reading a row): how selective
  // the filter is decides how the page is found.
  const [total, all] = await Promise.all([
    countAccessUsers(db, filter),
    filtered ? countAccessUsers(db, { facilityId: filter.facilityId, now: filter.now }) : undefined,
  ]);
  const walk =
    SORTS[sort].indexed && (!filtered || (all !== undefined && total >= all * WALK_SHARE && page.offset < total));
  const pageIds = walk
    ? sql`SELECT rowid FROM access_user INDEXED BY ${sql.raw(SORT_INDEX[sort])} WHERE ${where}
        ORDER BY ${orderBy(sort)} LIMIT ${page.limit} OFFSET ${page.offset}`
    : sql`SELECT rowid FROM ${scanSource(filter)} WHERE ${where}
        ORDER BY ${orderBy(sort, { avoidIndex: true })} LIMIT ${page.limit} OFFSET ${page.offset}`;
  const rows = await db
    .select({ ...listColumns, hasAccess: sql<number>`${storedEffectiveAccess("access_user", filter.now)}` })
    .from(accessUser)
    .leftJoin(integration, eq(integration.id, accessUser.integrationId))
    .leftJoin(invitation, eq(invitation.userId, accessUser.id))
    .where(sql`${accessUser}.rowid IN (${pageIds})`)
    .orderBy(orderBy(sort, { table: "access_user" }));
  return { rows, total };
}

/** How many users the filter matches (one scan of the facility, in rowid order). */
export async function countAccessUsers(db: DbOrTx, filter: AccessUserFilter): Promise<number> {
  const [row] = await db.all<{ total: number }>(
    sql`SELECT count(*) AS total FROM ${scanSource(filter)} WHERE ${accessUserWhere(filter)}`,
  );
  return row?.total ?? 0;
}

export type AccessUserTiles = { allUsers: number; hasAccess: number; noAccess: number };

/**
 * The stat tiles: the facility's users by access outcome (the one definition of effective access, stored),
 * in one scan of the (facility, access_until) index: no table row is read.
 */
export async function accessUserTiles(db: DbOrTx, facilityId: string, now: number): Promise<AccessUserTiles> {
  const [row] = await db.all<{ all_users: number; has_access: number | null }>(sql`
    SELECT count(*) AS all_users, sum(${storedEffectiveAccess("u", now)}) AS has_access
    FROM access_user u INDEXED BY access_user_facility_access_idx WHERE u.facility_id = ${facilityId}`);
  const allUsers = row?.all_users ?? 0;
  const hasAccess = row?.has_access ?? 0;
  return { allUsers, hasAccess, noAccess: allUsers - hasAccess };
}

export type AccessUserFacets = { membershipStatuses: string[]; personTypes: string[]; tags: string[] };

/** At most this many options per chip; a facility with more is better served by the search. */
export const FACET_LIMIT = 200;

/**
 * The Membership status, Person type and Tag chips' options: the values present in the facility's data.
 * Tags are read per distinct tag set (a facility has few, found by a loose index scan), so the JSON is
 * parsed once per set, not per row.
 */
export async function accessUserFacets(db: DbOrTx, facilityId: string): Promise<AccessUserFacets> {
  // Each walks its own (facility, column) index: no table row is read.
  const distinct = (
    column: "membership_status" | "person_type",
    index: "access_user_facility_status_idx" | "access_user_facility_type_idx",
  ) =>
    db.all<{ value: string }>(sql`
      SELECT DISTINCT ${sql.raw(column)} AS value FROM access_user INDEXED BY ${sql.raw(index)}
      WHERE facility_id = ${facilityId} AND ${sql.raw(column)} IS NOT NULL AND ${sql.raw(column)} <> ''`);
  const tags = db.all<{ value: string }>(sql`
    WITH RECURSIVE ${tagSetsCte(facilityId)}
    SELECT j.value AS value FROM sets, json_each(sets.st) j WHERE j.type = 'text' AND j.value <> ''
    UNION SELECT j.value FROM sets, json_each(sets.ct) j WHERE j.type = 'text' AND j.value <> ''`);
  const [statuses, types, tagRows] = await Promise.all([
    distinct("membership_status", "access_user_facility_status_idx"),
    distinct("person_type", "access_user_facility_type_idx"),
    tags,
  ]);
  const sorted = (rows: Array<{ value: string }>) =>
    rows
      .map((r) => r.value)
      .sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" }))
      .slice(0, FACET_LIMIT);
  return { membershipStatuses: sorted(statuses), personTypes: sorted(types), tags: sorted(tagRows) };
}
