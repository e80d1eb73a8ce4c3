import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import {
  accessGrant,
  accessUser,
  grantFlagTriggerStatements,
  listAccessUsers,
  userSearchStatements,
  type Db,
} from "../src";
import { migrationsFolder } from "../src/node";
import { createFacility, createTestDb } from "../src/testing";
import { T } from "./clock";

let db: Db;
let facilityId: string;
let otherFacilityId: string;

const PEOPLE = [
  { first: "Ann", last: "Smith", email: "ann.smith@example.com", externalId: "M-1001", phone: "+447900001234" },
  { first: "Zoë", last: "Ångström", email: "zoe@example.org", externalId: "M-1002", phone: "+447900005678" },
  { first: "Bob", last: "Smithers", email: "bob@mail.test", externalId: "X-77", phone: null },
  { first: "Al", last: "Li", email: null, externalId: "M-100", phone: "+33612345678" },
  { first: "Pat", last: "100% Sure_Ltd", email: "pat@example.com", externalId: null, phone: null },
];

beforeEach(async () => {
  db = await createTestDb();
  const facility = await createFacility(db);
  facilityId = facility.id;
  otherFacilityId = (await createFacility(db, { organisationId: facility.organisationId, name: "Other" })).id;
  for (const [facility, prefix] of [
    [facilityId, "usr"],
    [otherFacilityId, "twin"],
  ] as const)
    await db.insert(accessUser).values(
      PEOPLE.map((p, i) => ({
        id: `${prefix}_${i}`,
        facilityId: facility,
        source: "manual" as const,
        firstName: p.first,
        lastName: p.last,
        email: p.email,
        externalId: p.externalId,
        mobilePhone: p.phone,
        createdAt: T,
        updatedAt: T,
      })),
    );
});

const search = async (text: string, phoneDigits: string | null = null, access?: "without_grants") => {
  const filter = { facilityId, now: T, search: { text, phoneDigits }, ...(access ? { access } : {}) };
  const { rows, total } = await listAccessUsers(db, filter, { offset: 0, limit: 50 });
  expect(total).toBe(rows.length);
  expect(rows.every((r) => r.id.startsWith("usr_"))).toBe(true);
  return rows.map((r) => r.lastName);
};

/** What the search means, written plainly: every word inside one of the columns, ignoring case. */
function expected(text: string, phoneDigits: string | null = null): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const has = (value: string | null, word: string) => !!value && value.toLowerCase().includes(word.toLowerCase());
  return PEOPLE.filter(
    (p) =>
      words.every((w) => [p.first, p.last, p.email, p.externalId].some((v) => has(v, w))) ||
      (!!phoneDigits && has(p.phone, phoneDigits)),
  )
    .map((p) => p.last)
    .sort((a, b) => a.localeCompare(b, "en"));
}

describe("the User Access search", () => {
  it("finds every word in the name, email or external id, or the digits in the phone, as a substring", async () => {
    for (const [text, digits] of [
      ["smith", null],
      ["SMITH ann", null],
      ["example", null],
      ["M-100", null],
      ["M-1001", null],
      ["mail.test", null],
      ["100%", null],
      ["sure_ltd", null],
      ["al", null],
      ["li m-1", null],
      ["07900001234", "7900001234"],
      ["612345678", "612345678"],
      ["nobody", null],
      ['"smith"', null],
    ] as const) {
      const found = await search(text, digits);
      expect(
        [...found].sort((a, b) => a.localeCompare(b, "en")),
        text,
      ).toEqual(expected(text, digits));
    }
    // Case folding beyond ASCII, which LIKE did not do.
    expect(await search("ÅNGSTR")).toEqual(["Ångström"]);
  });

  it("follows a person's new details, and forgets a deleted person", async () => {
    await db
      .update(accessUser)
      .set({ lastName: "Jones", email: "ann.jones@example.com" })
      .where(eq(accessUser.id, "usr_0"));
    expect(await search("smith")).toEqual(["Smithers"]);
    expect(await search("jones")).toEqual(["Jones"]);
    await db.update(accessUser).set({ notes: "unrelated" }).where(eq(accessUser.id, "usr_0"));
    expect(await search("jones")).toEqual(["Jones"]);
    await db.delete(accessUser).where(eq(accessUser.id, "usr_2"));
    expect(await search("smith")).toEqual([]);
  });

  it("combines with a chip", async () => {
    await db.insert(accessGrant).values({ id: "grt_1", userId: "usr_0", name: "Pool", createdAt: T });
    expect(await search("smith", null, "without_grants")).toEqual(["Smithers"]);
  });
});

describe("Without grants", () => {
  const withoutGrants = async () =>
    (await listAccessUsers(db, { facilityId, now: T, access: "without_grants" }, { offset: 0, limit: 50 })).rows
      .map((r) => r.id)
      .sort();

  it("follows grants given, moved and taken", async () => {
    expect(await withoutGrants()).toEqual(["usr_0", "usr_1", "usr_2", "usr_3", "usr_4"]);
    await db.insert(accessGrant).values([
      { id: "grt_1", userId: "usr_0", name: "Pool", createdAt: T },
      { id: "grt_2", userId: "usr_0", name: "Gym", createdAt: T },
      { id: "grt_3", userId: "usr_1", name: "Pool", createdAt: T },
    ]);
    expect(await withoutGrants()).toEqual(["usr_2", "usr_3", "usr_4"]);
    await db.delete(accessGrant).where(eq(accessGrant.id, "grt_1"));
    expect(await withoutGrants()).toEqual(["usr_2", "usr_3", "usr_4"]);
    await db.update(accessGrant).set({ userId: "usr_2" }).where(eq(accessGrant.id, "grt_3"));
    expect(await withoutGrants()).toEqual(["usr_1", "usr_3", "usr_4"]);
    await db.delete(accessGrant).where(eq(accessGrant.id, "grt_2"));
    expect(await withoutGrants()).toEqual(["usr_0", "usr_1", "usr_3", "usr_4"]);
  });
});

describe("migration 0014", () => {
  it("holds the triggers as the definitions write them today", () => {
    const migration = readFileSync(`${migrationsFolder}/0014_user_search.sql`, "utf8");
    for (const statement of [...grantFlagTriggerStatements(), ...userSearchStatements()])
      expect(migration).toContain(statement);
  });
});
