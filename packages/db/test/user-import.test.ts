import { beforeEach, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { parseUserImport, type ImportPerson } from "@uas/domain";
import {
  accessUser,
  applyUserImport,
  auditEntry,
  insertManualUser,
  planUserImport,
  UserImportStaleError,
  USER_IMPORT_AUDIT_ACTION,
  type Db,
} from "../src";
import { createFacility, createIntegration, createTestDb } from "../src/testing";
import { T } from "./clock";

let db: Db;
let facility: { id: string; organisationId: string };
let integrationId: string;

beforeEach(async () => {
  db = await createTestDb();
  facility = await createFacility(db);
  integrationId = (await createIntegration(db, { organisationId: facility.organisationId })).id;
});

function people(csv: string): ImportPerson[] {
  const parsed = parseUserImport(csv, "GB");
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.people;
}

const HEADER = "First name,Last name,Email,Mobile phone,Person type,Membership status,Custom tags";

async function syncedRow(email: string) {
  const id = "usr_synced";
  await db.insert(accessUser).values({
    id,
    facilityId: facility.id,
    source: "integration",
    integrationId,
    externalId: "M-1",
    firstName: "Sync",
    lastName: "Owned",
    email,
    membershipStatus: "active",
    createdAt: T,
    updatedAt: T,
  });
  return id;
}

/** The messages along an error's cause chain (drizzle wraps the driver's error). */
function causes(error: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(" | ");
}

const rowsOf = async () =>
  db.select().from(accessUser).where(eq(accessUser.facilityId, facility.id)).orderBy(accessUser.lastName);
const apply = async (list: ImportPerson[], fingerprint: string) =>
  applyUserImport(db, {
    organisationId: facility.organisationId,
    facilityId: facility.id,
    people: list,
    fingerprint,
    actorUserId: "usr_admin",
    now: T + 1000,
  });

describe("import preview", () => {
  it("splits the file into users to add, to update, unchanged, and synced users left alone", async () => {
    const manual = await insertManualUser(
      db,
      { facilityId: facility.id, firstName: "Mia", lastName: "Manual", email: "mia@example.com", mobilePhone: null },
      T,
    );
    const same = await insertManualUser(
      db,
      { facilityId: facility.id, firstName: "Sam", lastName: "Same", email: null, mobilePhone: "+447700900111" },
      T,
    );
    const synced = await syncedRow("sync@example.com");
    const list = people(
      [
        HEADER,
        "Nia,New,nia@example.com,,Member,Active,Pool",
        "Mia,Manual,MIA@example.com,07700 900222,Staff,,",
        "Sam,Same,,07700900111,,,",
        "Sid,Changed,sync@example.com,,Member,cancelled,",
      ].join("\n"),
    );
    const plan = await planUserImport(db, facility.id, list);
    expect(plan.toAdd.map((p) => p.line)).toEqual([2]);
    expect(plan.toUpdate).toEqual([
      {
        line: 3,
        userId: manual.id,
        version: 1,
        patch: { mobilePhone: "+447700900222", personType: "Staff" },
        name: "Mia Manual",
      },
    ]);
    expect(plan.unchanged).toEqual([{ line: 4, userId: same.id }]);
    expect(plan.keptSynced).toEqual([
      { line: 5, userId: synced, name: "Sync Owned", source: "integration", integrationId },
    ]);
    expect(plan.rejected).toEqual([]);
  });

  it("rejects a second line that names the same user as an earlier one", async () => {
    await insertManualUser(
      db,
      {
        facilityId: facility.id,
        firstName: "Mia",
        lastName: "Manual",
        email: "mia@example.com",
        mobilePhone: "+447700900333",
      },
      T,
    );
    const plan = await planUserImport(
      db,
      facility.id,
      people([HEADER, "Mia,Manual,mia@example.com,,,,", "Mia,Phone,,07700900333,,,"].join("\n")),
    );
    expect(plan.rejected).toEqual([{ line: 3, reason: "Matches the same user as line 2 (Mia Manual)" }]);
  });

  it("writes nothing", async () => {
    const before = await rowsOf();
    await planUserImport(db, facility.id, people([HEADER, "Nia,New,nia@example.com,,,,"].join("\n")));
    expect(await rowsOf()).toEqual(before);
  });
});

describe("import apply", () => {
  it("adds and updates manual users, merges custom tags, never touches a synced row, and audits", async () => {
    const manual = await insertManualUser(
      db,
      { facilityId: facility.id, firstName: "Mia", lastName: "Manual", email: "mia@example.com", mobilePhone: null },
      T,
    );
    await db
      .update(accessUser)
      .set({ customTags: ["Early"] })
      .where(eq(accessUser.id, manual.id));
    const synced = await syncedRow("sync@example.com");
    const syncedBefore = (await db.select().from(accessUser).where(eq(accessUser.id, synced)))[0];
    const list = people(
      [
        HEADER,
        "Nia,New,nia@example.com,07700 900444,Member,Active,Pool; Gym",
        "Mia,Manual,mia@example.com,,Staff,,Pool",
        "Sid,Changed,sync@example.com,,,cancelled,Hacked",
      ].join("\n"),
    );
    const plan = await planUserImport(db, facility.id, list);
    expect(await apply(list, plan.fingerprint)).toEqual({ added: 1, updated: 1 });

    const rows = await rowsOf();
    expect(rows.map((r) => [r.lastName, r.source])).toEqual([
      ["Manual", "manual"],
      ["New", "manual"],
      ["Owned", "integration"],
    ]);
    expect(rows[0]).toMatchObject({
      personType: "Staff",
      customTags: ["Early", "Pool"],
      version: 2,
      updatedAt: T + 1000,
      email: "mia@example.com",
    });
    expect(rows[1]).toMatchObject({
      firstName: "Nia",
      email: "nia@example.com",
      mobilePhone: "+447700900444",
      personType: "Member",
      membershipStatus: "Active",
      customTags: ["Gym", "Pool"],
      accessEnabled: true,
      createdAt: T + 1000,
    });
    expect((await db.select().from(accessUser).where(eq(accessUser.id, synced)))[0]).toEqual(syncedBefore);
    const [audit] = await db.select().from(auditEntry).where(eq(auditEntry.action, USER_IMPORT_AUDIT_ACTION));
    expect(audit).toMatchObject({
      facilityId: facility.id,
      actorUserId: "usr_admin",
      detail: { added: 1, updated: 1, keptSynced: 1, unchanged: 0 },
    });
  });

  it("refuses a stale preview (a user changed since) and writes nothing", async () => {
    const manual = await insertManualUser(
      db,
      { facilityId: facility.id, firstName: "Mia", lastName: "Manual", email: "mia@example.com", mobilePhone: null },
      T,
    );
    const list = people([HEADER, "Nia,New,nia@example.com,,,,", "Mia,Renamed,mia@example.com,,,,"].join("\n"));
    const plan = await planUserImport(db, facility.id, list);
    await db
      .update(accessUser)
      .set({ notes: "edited", version: sql`${accessUser.version} + 1` })
      .where(eq(accessUser.id, manual.id));
    const before = await rowsOf();
    await expect(apply(list, plan.fingerprint)).rejects.toBeInstanceOf(UserImportStaleError);
    expect(await rowsOf()).toEqual(before);
  });

  it("is one transaction: a failure on the last statement leaves nothing of the earlier ones", async () => {
    const manual = await insertManualUser(
      db,
      { facilityId: facility.id, firstName: "Mia", lastName: "Manual", email: "mia@example.com", mobilePhone: null },
      T,
    );
    // The updates run after the inserts: make the update fail, once the new rows are already written.
    await db.run(
      sql.raw(`CREATE TRIGGER fail_import BEFORE UPDATE OF first_name ON access_user WHEN NEW.first_name = 'Boom'
      BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`),
    );
    const list = people(
      [HEADER, "Nia,New,nia@example.com,,,,", "Ola,Other,ola@example.com,,,,", "Boom,Manual,mia@example.com,,,,"].join(
        "\n",
      ),
    );
    const plan = await planUserImport(db, facility.id, list);
    expect(plan.toAdd).toHaveLength(2);
    const before = await rowsOf();
    const failure = await apply(list, plan.fingerprint).then(
      () => null,
      (error: unknown) => error,
    );
    expect(causes(failure)).toContain("disk on fire");
    expect(await rowsOf()).toEqual(before);
    expect((await db.select().from(accessUser).where(eq(accessUser.id, manual.id)))[0]?.firstName).toBe("Mia");
    expect(await db.select().from(auditEntry)).toEqual([]);
  });

  it("imports 2,000 lines in a few statements (adds and updates together)", async () => {
    const existing = Array.from({ length: 500 }, (_, i) => `Old,Person${i},old${i}@example.com,,,,`);
    const first = people([HEADER, ...existing].join("\n"));
    await apply(first, (await planUserImport(db, facility.id, first)).fingerprint);
    const lines = [
      HEADER,
      ...Array.from({ length: 2000 }, (_, i) =>
        i < 500 ? `Old,Renamed${i},old${i}@example.com,,,,` : `New,Person${i},new${i}@example.com,,,,`,
      ),
    ];
    const list = people(lines.join("\n"));
    const plan = await planUserImport(db, facility.id, list);
    expect([plan.toAdd.length, plan.toUpdate.length]).toEqual([1500, 500]);
    expect(await apply(list, plan.fingerprint)).toEqual({ added: 1500, updated: 500 });
    expect((await rowsOf()).length).toBe(2000);
  });
});
