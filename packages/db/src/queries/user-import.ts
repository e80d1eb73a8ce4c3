import { sql } from "drizzle-orm";
import {
  isManualSource,
  type ImportField,
  type ImportPerson,
  type RejectedLine,
  type Source,
  type SyncSource,
} from "@uas/domain";
import type { Db, DbOrTx } from "../database";
import { auditEntry } from "../schema";
import { newId } from "../ids";

/**
 * "Import (CSV)" against the facility's users: which lines add a manual user, which update one, which
 * are left alone because they name a synced user (sync owns those rows; an import never overwrites
 * them), then the write, in one transaction. A line matches a user of the facility by email, else by
 * mobile phone.
 */

export type ImportUpdate = {
  line: number;
  userId: string;
  version: number;
  /** The fields that change, with the values they take (empty cells leave a field as it is). */
  patch: Partial<Pick<ImportPerson, ImportField>>;
  name: string;
};

export type ImportPlan = {
  toAdd: ImportPerson[];
  toUpdate: ImportUpdate[];
  /** Lines that match a manual user and change nothing. */
  unchanged: Array<{ line: number; userId: string }>;
  /** Lines that match a synced user: left exactly as sync keeps them. */
  keptSynced: Array<{
    line: number;
    userId: string;
    name: string;
    source: SyncSource;
    integrationId: string | null;
  }>;
  /** Lines refused by the store (another line already matched the same user). */
  rejected: RejectedLine[];
  /** Fingerprints the plan and the rows it read: applying checks it again under the write lock. */
  fingerprint: string;
};

export class UserImportStaleError extends Error {
  constructor() {
    super("The users changed since the preview. Run the preview again.");
    this.name = "UserImportStaleError";
  }
}

type MatchedRow = {
  id: string;
  source: Source;
  integration_id: string | null;
  email: string | null;
  mobile_phone: string | null;
  first_name: string;
  last_name: string;
  person_type: string | null;
  membership_status: string | null;
  custom_tags: string;
  version: number;
};

/**
 * One statement reads every user the file's emails or phones name; the rest is matching in memory.
 * The IN lists are probed per row of the facility, never one query per line.
 */
async function matchedRows(db: DbOrTx, facilityId: string, people: readonly ImportPerson[]): Promise<MatchedRow[]> {
  const emails = people.flatMap((p) => (p.email ? [p.email] : []));
  const phones = people.flatMap((p) => (p.mobilePhone ? [p.mobilePhone] : []));
  if (emails.length === 0 && phones.length === 0) return [];
  return db.all<MatchedRow>(sql`
    SELECT id, source, integration_id, email, mobile_phone, first_name, last_name, person_type, membership_status,
      custom_tags, version
    FROM access_user
    WHERE facility_id = ${facilityId}
      AND (email IN (SELECT value FROM json_each(${JSON.stringify(emails)}))
        OR mobile_phone IN (SELECT value FROM json_each(${JSON.stringify(phones)})))
    ORDER BY created_at, rowid`);
}

function group(rows: readonly MatchedRow[], key: "email" | "mobile_phone"): Map<string, MatchedRow[]> {
  const map = new Map<string, MatchedRow[]>();
  for (const row of rows) {
    const value = row[key];
    if (!value) continue;
    const list = map.get(value) ?? [];
    list.push(row);
    map.set(value, list);
  }
  return map;
}

const fullName = (first: string, last: string) => [first, last].filter(Boolean).join(" ");

function patchFor(person: ImportPerson, row: MatchedRow): ImportUpdate["patch"] {
  const patch: ImportUpdate["patch"] = {};
  if (person.firstName !== row.first_name) patch.firstName = person.firstName;
  if (person.lastName !== row.last_name) patch.lastName = person.lastName;
  if (person.email !== null && person.email !== row.email) patch.email = person.email;
  if (person.mobilePhone !== null && person.mobilePhone !== row.mobile_phone) patch.mobilePhone = person.mobilePhone;
  if (person.personType !== null && person.personType !== row.person_type) patch.personType = person.personType;
  if (person.membershipStatus !== null && person.membershipStatus !== row.membership_status)
    patch.membershipStatus = person.membershipStatus;
  // Custom tags are admin-owned: the file's join the row's, none is taken away.
  const current = JSON.parse(row.custom_tags) as string[];
  const added = person.customTags.filter((tag) => !current.includes(tag));
  if (added.length > 0) patch.customTags = [...current, ...added].sort();
  return patch;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .slice(0, 32);
}

/** What importing these people would do now. Reads only. */
export async function planUserImport(
  db: DbOrTx,
  facilityId: string,
  people: readonly ImportPerson[],
): Promise<ImportPlan> {
  const rows = await matchedRows(db, facilityId, people);
  const byEmail = group(rows, "email");
  const byPhone = group(rows, "mobile_phone");
  const claimedBy = new Map<string, number>();
  const plan: Omit<ImportPlan, "fingerprint"> = {
    toAdd: [],
    toUpdate: [],
    unchanged: [],
    keptSynced: [],
    rejected: [],
  };
  for (const person of people) {
    const candidates =
      (person.email ? byEmail.get(person.email) : undefined) ??
      (person.mobilePhone ? byPhone.get(person.mobilePhone) : undefined) ??
      [];
    if (candidates.length === 0) {
      plan.toAdd.push(person);
      continue;
    }
    // A manual row is the import's to update; a person known only from a source stays sync's.
    const row = candidates.find((c) => isManualSource(c.source)) ?? candidates[0]!;
    const earlier = claimedBy.get(row.id);
    if (earlier !== undefined) {
      plan.rejected.push({
        line: person.line,
        reason: `Matches the same user as line ${earlier} (${fullName(row.first_name, row.last_name)})`,
      });
      continue;
    }
    claimedBy.set(row.id, person.line);
    if (!isManualSource(row.source)) {
      plan.keptSynced.push({
        line: person.line,
        userId: row.id,
        name: fullName(row.first_name, row.last_name),
        source: row.source,
        integrationId: row.integration_id,
      });
      continue;
    }
    const patch = patchFor(person, row);
    if (Object.keys(patch).length === 0) plan.unchanged.push({ line: person.line, userId: row.id });
    else
      plan.toUpdate.push({
        line: person.line,
        userId: row.id,
        version: row.version,
        patch,
        name: fullName(row.first_name, row.last_name),
      });
  }
  const fingerprint = await sha256(
    JSON.stringify([
      facilityId,
      plan.toAdd,
      plan.toUpdate.map((u) => [u.userId, u.version, u.patch]),
      plan.keptSynced.map((k) => k.userId),
      plan.unchanged,
      plan.rejected,
    ]),
  );
  return { ...plan, fingerprint };
}

const CHUNK = 2000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

export const USER_IMPORT_AUDIT_ACTION = "users.import";

/**
 * Applies the previewed import, or nothing: the plan is made again inside the write transaction and
 * must fingerprint the same, so a user added, edited or synced since the preview sends the admin back
 * to it. Set-based: a few statements per 2,000 lines.
 */
export async function applyUserImport(
  db: Db,
  input: {
    organisationId: string;
    facilityId: string;
    people: readonly ImportPerson[];
    fingerprint: string;
    actorUserId: string | null;
    now: number;
  },
): Promise<{ added: number; updated: number }> {
  const { facilityId, now } = input;
  return db.transaction(async (tx) => {
    const plan = await planUserImport(tx, facilityId, input.people);
    if (plan.fingerprint !== input.fingerprint) throw new UserImportStaleError();

    for (const part of chunks(plan.toAdd)) {
      const rows = part.map((p) => [
        newId("usr"),
        p.firstName,
        p.lastName,
        p.email,
        p.mobilePhone,
        p.personType,
        p.membershipStatus,
        p.customTags,
      ]);
      await tx.run(sql`
        INSERT INTO access_user (id, facility_id, source, first_name, last_name, email, mobile_phone, person_type,
          membership_status, custom_tags, created_at, updated_at)
        SELECT j.value->>0, ${facilityId}, 'manual', j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5,
          j.value->>6, j.value->7, ${now}, ${now}
        FROM json_each(${JSON.stringify(rows)}) AS j`);
    }
    let updated = 0;
    for (const part of chunks(plan.toUpdate)) {
      const rows = part.map((u) => ({ id: u.userId, version: u.version, ...u.patch }));
      // A key the patch lacks reads as NULL: coalesce keeps the row's own value (empty cells change nothing).
      // The materialised CTE makes SQLite look each row up by id; joined to json_each directly it
      // scanned the facility once per patch (minutes for 10,000 lines).
      const result = await tx.run(sql`
        WITH p AS MATERIALIZED (SELECT value->>'id' AS id, value AS patch FROM json_each(${JSON.stringify(rows)}))
        UPDATE access_user SET
          first_name = coalesce(p.patch->>'firstName', access_user.first_name),
          last_name = coalesce(p.patch->>'lastName', access_user.last_name),
          email = coalesce(p.patch->>'email', access_user.email),
          mobile_phone = coalesce(p.patch->>'mobilePhone', access_user.mobile_phone),
          person_type = coalesce(p.patch->>'personType', access_user.person_type),
          membership_status = coalesce(p.patch->>'membershipStatus', access_user.membership_status),
          custom_tags = coalesce(p.patch->'customTags', access_user.custom_tags),
          version = access_user.version + 1,
          updated_at = ${now}
        FROM p
        WHERE access_user.id = p.id AND access_user.facility_id = ${facilityId}
          AND access_user.source = 'manual' AND access_user.version = p.patch->>'version'`);
      updated += result.rowsAffected;
    }
    // Cannot differ under the write lock; if it ever does, roll back rather than write a different set.
    if (updated !== plan.toUpdate.length) throw new UserImportStaleError();

    await tx.insert(auditEntry).values({
      organisationId: input.organisationId,
      facilityId,
      actorUserId: input.actorUserId,
      action: USER_IMPORT_AUDIT_ACTION,
      detail: {
        added: plan.toAdd.length,
        updated,
        keptSynced: plan.keptSynced.length,
        unchanged: plan.unchanged.length,
      },
      at: now,
    });
    return { added: plan.toAdd.length, updated };
  });
}
