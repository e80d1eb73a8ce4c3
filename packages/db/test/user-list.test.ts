import { beforeEach, describe, expect, it } from "vitest";
import { ACCESS_FILTERS, INVITATION_FILTERS, USER_SORTS } from "@uas/domain";
import {
  accessGrant,
  accessUser,
  accessUserFacets,
  accessUserTiles,
  countAccessUsers,
  invitation,
  listAccessUsers,
  type AccessUserFilter,
  type Db,
} from "../src";
import { createFacility, createIntegration, createTestDb } from "../src/testing";
import { T } from "./clock";

let db: Db;
let facilityId: string;
let otherFacilityId: string;
let integrationId: string;

type Person = Partial<typeof accessUser.$inferInsert> & { lastName: string };

async function person(p: Person) {
  const id = `usr_${p.lastName}_${p.facilityId ?? facilityId}`;
  await db.insert(accessUser).values({
    id,
    facilityId,
    source: "manual",
    firstName: "Pat",
    email: `${p.lastName.toLowerCase()}@example.com`,
    createdAt: T,
    updatedAt: T,
    ...p,
  });
  return id;
}

beforeEach(async () => {
  db = await createTestDb();
  const facility = await createFacility(db);
  facilityId = facility.id;
  otherFacilityId = (await createFacility(db, { organisationId: facility.organisationId, name: "Other" })).id;
  integrationId = (await createIntegration(db, { organisationId: facility.organisationId })).id;
});

/** A small facility where each filter picks out known people; the other facility holds a twin of each. */
async function seedPeople() {
  const rows: Person[] = [
    {
      lastName: "Adams",
      source: "integration",
      integrationId,
      externalId: "A",
      personType: "Member",
      membershipStatus: "active",
      syncedTags: ["gold", "pool"],
      lastSyncedAt: T + 5,
      createdAt: T + 1,
      updatedAt: T + 40,
    },
    {
      lastName: "Baker",
      source: "integration",
      integrationId,
      externalId: "B",
      personType: "Member",
      membershipStatus: "expired",
      syncedTags: ["standard"],
      removedAtSourceAt: T,
      lastSyncedAt: T + 9,
      createdAt: T + 2,
      updatedAt: T + 10,
    },
    {
      lastName: "Clark",
      source: "cctv",
      externalId: "C",
      personType: "Staff",
      syncedTags: [],
      customTags: ["vip"],
      lastSyncedAt: null,
      createdAt: T + 3,
      updatedAt: T + 30,
    },
    {
      lastName: "Davis",
      accessEnabled: false,
      membershipStatus: "on_hold",
      customTags: ["gold"],
      createdAt: T + 4,
      updatedAt: T + 20,
    },
    // A tag that is a substring of another and one made of JSON punctuation: matched exactly, never by text.
    { lastName: "Evans", membershipStatus: "active", customTags: ["golden", ","], createdAt: T + 5, updatedAt: T + 50 },
  ];
  const ids: Record<string, string> = {};
  for (const row of rows) {
    ids[row.lastName] = await person(row);
    await person({ ...row, facilityId: otherFacilityId, integrationId: row.integrationId ?? null });
  }
  await db.insert(accessGrant).values({ id: "grt_1", userId: ids.Adams!, name: "Pool", createdAt: T });
  await db.insert(invitation).values([
    {
      userId: ids.Adams!,
      facilityId,
      email: "adams@example.com",
      state: "sent",
      trigger: "auto",
      queuedAt: T,
      sentAt: T,
    },
    { userId: ids.Clark!, facilityId, email: "clark@example.com", state: "queued", trigger: "bulk", queuedAt: T },
    {
      userId: ids.Davis!,
      facilityId,
      email: "davis@example.com",
      state: "failed",
      trigger: "bulk",
      queuedAt: T,
      error: "bounced",
    },
  ]);
  return ids;
}

const names = async (filter: Omit<AccessUserFilter, "facilityId" | "now">, sort?: (typeof USER_SORTS)[number]) => {
  const { rows, total } = await listAccessUsers(db, { facilityId, now: T, ...filter }, { offset: 0, limit: 50 }, sort);
  expect(total).toBe(rows.length);
  return rows.map((r) => r.lastName);
};

describe("the User Access list's filters", () => {
  it("Source", async () => {
    await seedPeople();
    expect(await names({ source: "manual" })).toEqual(["Davis", "Evans"]);
    expect(await names({ source: "integration" })).toEqual(["Adams", "Baker"]);
    expect(await names({ source: "cctv" })).toEqual(["Clark"]);
  });

  it("Access: has access and no access follow effective access; disabled is the badge; without grants", async () => {
    await seedPeople();
    expect(await names({ access: "has_access" })).toEqual(["Adams", "Clark", "Evans"]);
    expect(await names({ access: "no_access" })).toEqual(["Baker", "Davis"]);
    expect(await names({ access: "disabled" })).toEqual(["Baker", "Davis"]);
    expect(await names({ access: "without_grants" })).toEqual(["Baker", "Clark", "Davis", "Evans"]);
  });

  it("Membership status, Person type and Tag (synced or custom, exact)", async () => {
    await seedPeople();
    expect(await names({ membershipStatus: "active" })).toEqual(["Adams", "Evans"]);
    expect(await names({ membershipStatus: "on_hold" })).toEqual(["Davis"]);
    expect(await names({ personType: "Staff" })).toEqual(["Clark"]);
    expect(await names({ tag: "gold" })).toEqual(["Adams", "Davis"]);
    expect(await names({ tag: "vip" })).toEqual(["Clark"]);
    expect(await names({ tag: "," })).toEqual(["Evans"]);
    expect(await names({ tag: "gol" })).toEqual([]);
  });

  it("Invitation: queued and sent are invited; failed; never invited", async () => {
    await seedPeople();
    expect(await names({ invitation: "invited" })).toEqual(["Adams", "Clark"]);
    expect(await names({ invitation: "send_failed" })).toEqual(["Davis"]);
    expect(await names({ invitation: "not_invited" })).toEqual(["Baker", "Evans"]);
  });

  it("chips combine, with the search", async () => {
    await seedPeople();
    expect(await names({ access: "has_access", tag: "gold" })).toEqual(["Adams"]);
    expect(await names({ membershipStatus: "active", source: "manual" })).toEqual(["Evans"]);
    expect(await names({ search: { text: "ev", phoneDigits: null }, access: "has_access" })).toEqual(["Evans"]);
  });

  it("never lists or counts another facility's users, whatever the filter", async () => {
    await seedPeople();
    const filters: Array<Omit<AccessUserFilter, "facilityId" | "now">> = [
      {},
      ...ACCESS_FILTERS.map((access) => ({ access })),
      ...INVITATION_FILTERS.map((invitation) => ({ invitation })),
      { tag: "gold" },
      { membershipStatus: "active" },
      { personType: "Member" },
    ];
    for (const filter of filters) {
      for (const sort of USER_SORTS) {
        const { rows } = await listAccessUsers(db, { facilityId, now: T, ...filter }, { offset: 0, limit: 50 }, sort);
        expect(rows.every((r) => r.id.endsWith(facilityId))).toBe(true);
      }
    }
    const other = await listAccessUsers(
      db,
      { facilityId: otherFacilityId, now: T, invitation: "invited" },
      { offset: 0, limit: 50 },
    );
    expect(other.total).toBe(0);
  });
});

describe("the User Access list's sorts", () => {
  it("Name (default), Recently added, Recently updated, Last synced (never synced last)", async () => {
    await seedPeople();
    expect(await names({})).toEqual(["Adams", "Baker", "Clark", "Davis", "Evans"]);
    expect(await names({}, "recently_added")).toEqual(["Evans", "Davis", "Clark", "Baker", "Adams"]);
    expect(await names({}, "recently_updated")).toEqual(["Evans", "Adams", "Clark", "Davis", "Baker"]);
    expect(await names({}, "last_synced")).toEqual(["Baker", "Adams", "Evans", "Davis", "Clark"]);
    // The same orders when a filter makes the list scan instead of walking the index.
    expect(await names({ access: "has_access" }, "recently_updated")).toEqual(["Evans", "Adams", "Clark"]);
    expect(await names({ access: "has_access" }, "recently_added")).toEqual(["Evans", "Clark", "Adams"]);
  });

  it("pages are stable and the total counts every match", async () => {
    for (let i = 0; i < 7; i += 1) await person({ lastName: `Same${i % 2}`.padEnd(6, "x") + i, createdAt: T });
    for (const sort of USER_SORTS) {
      for (const filter of [{}, { access: "has_access" as const }]) {
        const first = await listAccessUsers(db, { facilityId, now: T, ...filter }, { offset: 0, limit: 4 }, sort);
        const second = await listAccessUsers(db, { facilityId, now: T, ...filter }, { offset: 4, limit: 4 }, sort);
        expect(first.total).toBe(7);
        expect(second.total).toBe(7);
        expect(new Set([...first.rows, ...second.rows].map((r) => r.id)).size).toBe(7);
      }
    }
  });
});

describe("tiles and chip options", () => {
  it("counts All users, Has access and No access with the one definition of effective access", async () => {
    await seedPeople();
    expect(await accessUserTiles(db, facilityId, T)).toEqual({ allUsers: 5, hasAccess: 3, noAccess: 2 });
    expect(await countAccessUsers(db, { facilityId, now: T, access: "has_access" })).toBe(3);
    expect(await countAccessUsers(db, { facilityId, now: T, access: "no_access" })).toBe(2);
    expect(await accessUserTiles(db, "fac_nobody", T)).toEqual({ allUsers: 0, hasAccess: 0, noAccess: 0 });
  });

  it("offers the statuses, types and tags present in the facility's data, and only its own", async () => {
    await seedPeople();
    await person({
      lastName: "Zed",
      facilityId: otherFacilityId,
      membershipStatus: "frozen",
      personType: "Guest",
      customTags: ["elsewhere"],
    });
    expect(await accessUserFacets(db, facilityId)).toEqual({
      membershipStatuses: ["active", "expired", "on_hold"],
      personTypes: ["Member", "Staff"],
      tags: [",", "gold", "golden", "pool", "standard", "vip"],
    });
  });
});
