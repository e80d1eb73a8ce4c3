import { beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { eq, sql } from "drizzle-orm";
import {
  DAY_MS,
  STARTING_RULE_SET,
  decideAccess,
  nextGraceState,
  type AccessRule,
  type AccessRuleSet,
} from "@uas/domain";
import {
  accessUserTiles,
  accessGrant,
  accessUser,
  auditEntry,
  countBulkInvitations,
  effectiveAccess,
  endPassedGraces,
  findDoorCandidates,
  getAccessRuleSet,
  insertGrant,
  invitation,
  listAccessUsers,
  previewAccessRuleSet,
  saveAccessRuleSet,
  updateSyncSettings,
  type Db,
} from "@uas/db";
import { applySourceEvent, drizzleHandle } from "../src";
import { accessGraceStatements } from "@uas/db";
import { createFacility, createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { T, integrationPass, rowsByExternalId } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

const TYPES = ["member", "staff"];
const STATUSES = ["active", "Current", "expired", "it's odd"];
const TAGS = ["gold", "pool"];

const ruleArb: fc.Arbitrary<AccessRule> = fc.oneof(
  fc.record({
    kind: fc.constant("person_type" as const),
    personType: fc.option(fc.constantFrom(...TYPES), { nil: null }),
    statuses: fc.subarray(STATUSES),
  }),
  fc.record({ kind: fc.constant("tags" as const), tags: fc.subarray(TAGS, { minLength: 1 }) }),
);
const ruleSetArb: fc.Arbitrary<AccessRuleSet> = fc.record({
  rules: fc.array(ruleArb, { maxLength: 3 }),
  graceDays: fc.integer({ min: 0, max: 9 }),
});
const moment = fc.option(fc.constantFrom(T - DAY_MS, T, T + 1, T + DAY_MS), { nil: null });
const personArb = fc.record({
  accessEnabled: fc.boolean(),
  removed: fc.boolean(),
  personType: fc.option(fc.constantFrom(...TYPES), { nil: null }),
  membershipStatus: fc.option(fc.constantFrom(...STATUSES), { nil: null }),
  syncedTags: fc.subarray(TAGS),
  customTags: fc.subarray(TAGS),
  grants: fc.integer({ min: 0, max: 2 }),
  graceUntil: moment,
  paidUntil: moment,
});
type Person = typeof personArb extends fc.Arbitrary<infer P> ? P : never;

async function seedPeople(facilityId: string, people: Person[]) {
  const rows = people.map((p, i) => ({
    id: `usr_${facilityId}_${i}`,
    facilityId,
    source: "manual" as const,
    firstName: `P${i}`,
    lastName: "Test",
    email: `p${i}@example.com`,
    accessEnabled: p.accessEnabled,
    removedAtSourceAt: p.removed ? T - 5 : null,
    personType: p.personType,
    membershipStatus: p.membershipStatus,
    syncedTags: p.syncedTags,
    customTags: p.customTags,
    graceUntil: p.graceUntil,
    paidUntil: p.paidUntil,
    createdAt: T,
    updatedAt: T,
  }));
  if (rows.length > 0) await db.insert(accessUser).values(rows);
  for (const [i, p] of people.entries())
    for (let g = 0; g < p.grants; g++) await insertGrant(db, rows[i]!.id, `Grant ${g}`, T);
  return rows.map((row) => row.id);
}

const facts = (p: Person) => ({
  ...p,
  removedAtSourceAt: p.removed ? T - 5 : null,
  hasGrant: p.grants > 0,
});

async function allowedIds(facilityId: string, now: number, candidate?: AccessRuleSet): Promise<Set<string>> {
  const rows = await db.all<{ id: string }>(
    sql`SELECT u.id FROM access_user AS u WHERE u.facility_id = ${facilityId} AND ${effectiveAccess("u", now, candidate)}`,
  );
  return new Set(rows.map((row) => row.id));
}

describe("the SQL predicate and the domain agree", () => {
  it("on random rule sets (saved or never opened), people, grants, graces, paid-until dates and clocks", async () => {
    let facilityNumber = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.option(ruleSetArb, { nil: null }),
        fc.array(personArb, { maxLength: 12 }),
        fc.constantFrom(T - DAY_MS, T, T + 1, T + DAY_MS, T + 2 * DAY_MS),
        async (saved, people, now) => {
          const facility = await createFacility(db, { name: `F${facilityNumber++}` });
          const ids = await seedPeople(facility.id, people);
          if (saved) {
            await saveAccessRuleSet(db, {
              organisationId: facility.organisationId,
              facilityId: facility.id,
              ruleSet: saved,
              actorUserId: null,
              now: T - 10 * DAY_MS,
              effect: { lose: 0, gain: 0 },
            });
            // Saving may end graces the new rules make moot; read the rows back as they are now.
            const stored = await db.select().from(accessUser).where(eq(accessUser.facilityId, facility.id));
            for (const row of stored) {
              const i = ids.indexOf(row.id);
              people[i] = { ...people[i]!, graceUntil: row.graceUntil };
            }
          }
          const ruleSet = saved ?? STARTING_RULE_SET;
          const expected = new Set(ids.filter((_id, i) => decideAccess(ruleSet, facts(people[i]!), now).allowed));
          expect(await allowedIds(facility.id, now)).toEqual(expected);
          // The candidate form (the editor's preview) agrees too.
          const candidate = fc.sample(ruleSetArb, 1)[0]!;
          const expectedCandidate = new Set(
            ids.filter((_id, i) => decideAccess(candidate, facts(people[i]!), now).allowed),
          );
          expect(await allowedIds(facility.id, now, candidate)).toEqual(expectedCandidate);
          // The door's rows carry the same answer.
          for (const [i, id] of ids.entries()) {
            const [row] = await findDoorCandidates(db, { facilityId: facility.id, identifier: { userId: id }, now });
            expect(row?.allowedBySql).toBe(expected.has(id));
            expect(decideAccess(ruleSet, row!, now)).toEqual(decideAccess(ruleSet, facts(people[i]!), now));
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it("grace statements follow the domain's nextGraceState", async () => {
    await fc.assert(
      fc.asyncProperty(
        ruleSetArb,
        fc.array(fc.tuple(personArb, personArb, fc.boolean()), { minLength: 1, maxLength: 8 }),
        async (ruleSet, pairs) => {
          const facility = await createFacility(db);
          await saveAccessRuleSet(db, {
            organisationId: facility.organisationId,
            facilityId: facility.id,
            ruleSet,
            actorUserId: null,
            now: T,
            effect: { lose: 0, gain: 0 },
          });
          const ids = await seedPeople(
            facility.id,
            pairs.map(([before]) => ({ ...before, graceUntil: null })),
          );
          await db.update(accessUser).set({ rulesMatched: false }).where(eq(accessUser.facilityId, facility.id));
          // Each row remembers a match state, then its details change.
          for (const [i, [, after, wasMatching]] of pairs.entries()) {
            await db
              .update(accessUser)
              .set({
                rulesMatched: wasMatching,
                personType: after.personType,
                membershipStatus: after.membershipStatus,
                syncedTags: after.syncedTags,
                customTags: after.customTags,
              })
              .where(eq(accessUser.id, ids[i]!));
          }
          await drizzleHandle(db).script(accessGraceStatements(ids, T + DAY_MS));
          const rows = await db.select().from(accessUser).where(eq(accessUser.facilityId, facility.id));
          for (const row of rows) {
            const [, after, wasMatching] = pairs[ids.indexOf(row.id)]!;
            const expected = nextGraceState(
              ruleSet,
              { rulesMatched: wasMatching, graceUntil: null, graceStatus: null },
              after,
              T + DAY_MS,
            );
            expect({
              rulesMatched: row.rulesMatched,
              graceUntil: row.graceUntil,
              graceStatus: row.graceStatus,
            }).toEqual(expected);
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

const activeOnly: AccessRuleSet = {
  rules: [{ kind: "person_type", personType: "member", statuses: ["active"] }],
  graceDays: 7,
};
const upserted = (data: Record<string, unknown>) => ({ type: "member.upserted", data });

describe("grace periods through sync", () => {
  it("a webhook that lapses a member starts the grace; access ends with it; a renewal restores access at once", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: [member("M-1")],
      now: T,
    });
    await saveAccessRuleSet(db, {
      organisationId: facility.organisationId,
      facilityId: facility.id,
      ruleSet: activeOnly,
      actorUserId: null,
      now: T,
      effect: { lose: 0, gain: 0 },
    });
    const sender = { source: "integration" as const, integrationId: integration.id };
    await applySourceEvent({
      db,
      ...sender,
      webhookId: "w1",
      event: upserted(member("M-1", { membership_status: "expired", updated_at: "2026-11-24T13:00:00Z" })),
      now: T + 1000,
    });
    const lapsed = (await rowsByExternalId(db, facility.id)).get("M-1")!;
    expect(lapsed).toMatchObject({ rulesMatched: false, graceUntil: T + 1000 + 7 * DAY_MS, graceStatus: "expired" });
    expect(await allowedIds(facility.id, T + 1000 + 7 * DAY_MS - 1)).toEqual(new Set([lapsed.id]));
    expect(await allowedIds(facility.id, T + 1000 + 7 * DAY_MS)).toEqual(new Set());

    await applySourceEvent({
      db,
      ...sender,
      webhookId: "w2",
      event: upserted(member("M-1", { updated_at: "2026-11-25T13:00:00Z" })),
      now: T + DAY_MS,
    });
    expect((await rowsByExternalId(db, facility.id)).get("M-1")).toMatchObject({
      rulesMatched: true,
      graceUntil: null,
      graceStatus: null,
    });
  });

  it("the cron clears ended graces only, oldest first, in bounded batches, and says how late it was", async () => {
    const facility = await createFacility(db);
    const ids = await seedPeople(
      facility.id,
      [0, 1, 2, 3, 4].map((i) => ({
        accessEnabled: true,
        removed: false,
        personType: null,
        membershipStatus: "expired",
        syncedTags: [],
        customTags: [],
        grants: 0,
        graceUntil: T + i * 1000,
        paidUntil: null,
      })),
    );
    await db.update(accessUser).set({ graceStatus: "expired" });
    const first = await endPassedGraces(db, { now: T + 2500, batchSize: 2, maxBatches: 1 });
    expect(first).toEqual({ ended: 2, latenessMs: [2500, 1500] });
    const second = await endPassedGraces(db, { now: T + 2500, batchSize: 2, maxBatches: 5 });
    expect(second).toEqual({ ended: 1, latenessMs: [500] });
    const rows = await db
      .select({ id: accessUser.id, graceUntil: accessUser.graceUntil })
      .from(accessUser)
      .orderBy(accessUser.id);
    expect(rows.map((row) => row.graceUntil)).toEqual([null, null, null, T + 3000, T + 4000]);
    expect(ids).toHaveLength(5);
    // The query walks the grace index: no scan of the table.
    const plan = await db.all<{ detail: string }>(
      sql`EXPLAIN QUERY PLAN SELECT rowid FROM access_user WHERE grace_until IS NOT NULL AND grace_until <= ${T} ORDER BY grace_until LIMIT 10`,
    );
    expect(plan.map((step) => step.detail).join(" ")).toMatch(/access_user_grace_until_idx/);
  });
});

describe("saving and previewing rule sets", () => {
  it("previews who would lose and gain access, then saves with an audit entry; the starting set admits everyone", async () => {
    const facility = await createFacility(db);
    const people: Person[] = [
      {
        accessEnabled: true,
        removed: false,
        personType: "member",
        membershipStatus: "active",
        syncedTags: [],
        customTags: [],
        grants: 0,
        graceUntil: null,
        paidUntil: null,
      },
      {
        accessEnabled: true,
        removed: false,
        personType: "member",
        membershipStatus: "expired",
        syncedTags: [],
        customTags: [],
        grants: 0,
        graceUntil: null,
        paidUntil: null,
      },
      {
        accessEnabled: true,
        removed: false,
        personType: "member",
        membershipStatus: "expired",
        syncedTags: [],
        customTags: [],
        grants: 1,
        graceUntil: null,
        paidUntil: null,
      },
      {
        accessEnabled: false,
        removed: false,
        personType: "member",
        membershipStatus: "active",
        syncedTags: [],
        customTags: [],
        grants: 0,
        graceUntil: null,
        paidUntil: null,
      },
    ];
    const ids = await seedPeople(facility.id, people);
    expect(await getAccessRuleSet(db, facility.id)).toMatchObject({ ...STARTING_RULE_SET, saved: false });
    expect((await allowedIds(facility.id, T)).size).toBe(3);

    const preview = await previewAccessRuleSet(db, {
      facilityId: facility.id,
      candidate: activeOnly,
      now: T,
      sampleSize: 5,
    });
    expect(preview).toMatchObject({ total: 4, lose: 1, gain: 0 });
    expect(preview.sample.lose.map((p) => p.id)).toEqual([ids[1]]);
    await saveAccessRuleSet(db, {
      organisationId: facility.organisationId,
      facilityId: facility.id,
      ruleSet: activeOnly,
      actorUserId: "adm_1",
      now: T,
      effect: preview,
    });
    expect(await allowedIds(facility.id, T)).toEqual(new Set([ids[0], ids[2]]));
    expect(await getAccessRuleSet(db, facility.id)).toMatchObject({ ...activeOnly, saved: true });
    const [audit] = await db.select().from(auditEntry);
    expect(audit).toMatchObject({ facilityId: facility.id, actorUserId: "adm_1", action: "access_rules.updated" });
    expect(audit!.detail).toMatchObject({ after: activeOnly, effect: { lose: 1, gain: 0 } });
  });

  it("the user list, bulk invitation counts and auto-send all use the rules", async () => {
    const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    await saveAccessRuleSet(db, {
      organisationId: facility.organisationId,
      facilityId: facility.id,
      ruleSet: { ...activeOnly, graceDays: 0 },
      actorUserId: null,
      now: T,
      effect: { lose: 0, gain: 0 },
    });
    const records = [
      member("M-1"),
      member("M-2", { membership_status: "expired" }),
      member("M-3", { membership_status: "expired" }),
    ];
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const rows = await rowsByExternalId(db, facility.id);
    await insertGrant(db, rows.get("M-3")!.id, "Staff", T);
    const invited = await db.select({ userId: invitation.userId }).from(invitation);
    expect(invited.map((row) => row.userId)).toEqual([rows.get("M-1")!.id]);

    const list = await listAccessUsers(
      db,
      { facilityId: facility.id, access: "has_access", now: T },
      { offset: 0, limit: 10 },
    );
    expect(list.rows.map((row) => row.externalId)).toEqual(["M-1", "M-3"]);
    const denied = await listAccessUsers(
      db,
      { facilityId: facility.id, access: "no_access", now: T },
      { offset: 0, limit: 10 },
    );
    expect(denied.rows.map((row) => row.externalId)).toEqual(["M-2"]);
    expect(await accessUserTiles(db, facility.id, T)).toEqual({ allUsers: 3, hasAccess: 2, noAccess: 1 });
    const all = await listAccessUsers(db, { facilityId: facility.id, now: T }, { offset: 0, limit: 10 });
    expect(Object.fromEntries(all.rows.map((row) => [row.externalId, row.hasAccess]))).toEqual({
      "M-1": 1,
      "M-2": 0,
      "M-3": 1,
    });
    const counts = await countBulkInvitations(db, {
      facilityId: facility.id,
      audience: { kind: "not_invited" },
      resend: false,
      now: T,
    });
    expect(counts.skipped.noAccess).toBe(1);
    expect(await db.$count(accessGrant)).toBe(1);
    await updateSyncSettings(db, facility.id, { autoSendInvitations: false }, T);
  });
});
