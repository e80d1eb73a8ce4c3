import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { eq, sql } from "drizzle-orm";
import { DAY_MS, parseUserImport, type AccessRule, type AccessRuleSet } from "@uas/domain";
import {
  accessGrant,
  accessUser,
  accessUserTiles,
  applyUserImport,
  deleteGrant,
  effectiveAccess,
  endPassedGraces,
  insertGrant,
  invitation,
  listAccessUsers,
  planUserImport,
  saveAccessRuleSet,
  updateAccessUser,
  accessGraceStatements,
  accessUntilSql,
  accessUntilTriggerStatements,
  invitationStateTriggerStatements,
  type Db,
} from "@uas/db";
import { applySourceEvent } from "../src";
import { migrationsFolder } from "@uas/db/node";
import { createFacility, createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { T, integrationPass, rowsByExternalId } from "./sync-helpers";

/**
 * access_user.access_until is the access rules' one definition (accessUntilSql) stored: after every kind
 * of write it must equal the expression computed afresh, and "Has access" read from it must equal the
 * computed predicate at any clock.
 */
let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

/** The facility's rows whose stored answer differs from the definition computed now. */
async function drift(facilityId: string): Promise<Array<{ id: string; stored: number; computed: number }>> {
  return db.all(sql`
    SELECT id, access_until AS stored, ${sql.raw(accessUntilSql("access_user"))} AS computed FROM access_user
    WHERE facility_id = ${facilityId} AND access_until IS NOT ${sql.raw(accessUntilSql("access_user"))}`);
}

/** The facility's rows whose copied invitation state differs from their invitation row's. */
async function invitationDrift(facilityId: string) {
  return db.all(sql`
    SELECT id, invitation_state FROM access_user WHERE facility_id = ${facilityId}
      AND invitation_state IS NOT (SELECT i.state FROM invitation AS i WHERE i.user_id = access_user.id)`);
}

async function expectStoredEqualsComputed(facilityId: string) {
  expect(await drift(facilityId)).toEqual([]);
  expect(await invitationDrift(facilityId)).toEqual([]);
  for (const now of [T - DAY_MS, T, T + 1, T + DAY_MS, T + 10 * DAY_MS]) {
    const computed = await db.all<{ id: string }>(
      sql`SELECT u.id FROM access_user AS u WHERE u.facility_id = ${facilityId} AND ${effectiveAccess("u", now)} ORDER BY u.id`,
    );
    const listed = await listAccessUsers(db, { facilityId, access: "has_access", now }, { offset: 0, limit: 1000 });
    expect(listed.rows.map((row) => row.id).sort()).toEqual(computed.map((row) => row.id));
    const tiles = await accessUserTiles(db, facilityId, now);
    expect(tiles.hasAccess).toBe(computed.length);
  }
}

const TYPES = ["member", "staff"];
const STATUSES = ["active", "expired"];
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
  rules: fc.array(ruleArb, { maxLength: 2 }),
  graceDays: fc.integer({ min: 0, max: 3 }),
});
const moment = fc.option(fc.constantFrom(T - DAY_MS, T, T + DAY_MS), { nil: null });
const factsArb = fc.record(
  {
    accessEnabled: fc.boolean(),
    removedAtSourceAt: fc.option(fc.constant(T - 5), { nil: null }),
    personType: fc.option(fc.constantFrom(...TYPES), { nil: null }),
    membershipStatus: fc.option(fc.constantFrom(...STATUSES), { nil: null }),
    syncedTags: fc.subarray(TAGS),
    customTags: fc.subarray(TAGS),
    graceUntil: moment,
    paidUntil: moment,
  },
  { requiredKeys: [] },
);
const who = fc.nat({ max: 5 });
const opArb = fc.oneof(
  fc.record({ kind: fc.constant("insert" as const), facts: factsArb }),
  fc.record({ kind: fc.constant("update" as const), who, facts: factsArb }),
  fc.record({ kind: fc.constant("grant" as const), who }),
  fc.record({ kind: fc.constant("ungrant" as const), who }),
  fc.record({ kind: fc.constant("rules" as const), ruleSet: ruleSetArb }),
  fc.record({ kind: fc.constant("grace" as const), at: fc.constantFrom(T, T + DAY_MS) }),
  fc.record({ kind: fc.constant("end_graces" as const), at: fc.constantFrom(T, T + 2 * DAY_MS) }),
  fc.record({ kind: fc.constant("delete" as const), who }),
  fc.record({ kind: fc.constant("tamper" as const), who, value: fc.constantFrom(0, T, 1) }),
  fc.record({ kind: fc.constant("invite" as const), who, state: fc.constantFrom("queued", "sent", "failed") }),
  fc.record({ kind: fc.constant("uninvite" as const), who }),
);
type Op = typeof opArb extends fc.Arbitrary<infer O> ? O : never;

describe("the stored access answer equals the definition", () => {
  it("after every kind of write, in random sequences (inserts, edits, grants, rules, graces, invitations, deletes)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(factsArb, { minLength: 2, maxLength: 6 }),
        fc.array(opArb, { minLength: 1, maxLength: 12 }),
        async (people, ops) => {
          const facility = await createFacility(db);
          let inserted = 0;
          const ids = async () =>
            (
              await db
                .select({ id: accessUser.id })
                .from(accessUser)
                .where(eq(accessUser.facilityId, facility.id))
                .orderBy(accessUser.id)
            ).map((row) => row.id);
          const pick = async (n: number) => {
            const all = await ids();
            return all.length === 0 ? undefined : all[n % all.length];
          };
          const apply = async (op: Op) => {
            switch (op.kind) {
              case "insert":
                await db.insert(accessUser).values({
                  id: `usr_${facility.id}_${inserted++}`,
                  facilityId: facility.id,
                  source: "manual",
                  createdAt: T,
                  updatedAt: T,
                  ...op.facts,
                });
                return;
              case "update": {
                const id = await pick(op.who);
                if (id && Object.keys(op.facts).length > 0)
                  await db.update(accessUser).set(op.facts).where(eq(accessUser.id, id));
                return;
              }
              case "grant": {
                const id = await pick(op.who);
                if (id) await insertGrant(db, id, "Pool", T);
                return;
              }
              case "ungrant": {
                const id = await pick(op.who);
                if (!id) return;
                const [grant] = await db.select().from(accessGrant).where(eq(accessGrant.userId, id));
                if (grant) await deleteGrant(db, facility.id, id, grant.id, T);
                return;
              }
              case "rules":
                await saveAccessRuleSet(db, {
                  organisationId: facility.organisationId,
                  facilityId: facility.id,
                  ruleSet: op.ruleSet,
                  actorUserId: null,
                  now: T,
                  effect: { lose: 0, gain: 0 },
                });
                return;
              case "grace":
                for (const statement of accessGraceStatements(await ids(), op.at)) await db.run(sql.raw(statement));
                return;
              case "end_graces":
                await endPassedGraces(db, { now: op.at, batchSize: 2, maxBatches: 3 });
                return;
              case "delete": {
                const id = await pick(op.who);
                if (id) await db.delete(accessUser).where(eq(accessUser.id, id));
                return;
              }
              case "invite": {
                // Queued, then sent or failed (an update), as the outbox moves it; or a row's first state.
                const id = await pick(op.who);
                if (id)
                  await db
                    .insert(invitation)
                    .values({
                      userId: id,
                      facilityId: facility.id,
                      email: "p@example.com",
                      state: op.state,
                      trigger: "bulk",
                      queuedAt: T,
                    })
                    .onConflictDoUpdate({ target: invitation.userId, set: { state: op.state } });
                return;
              }
              case "uninvite": {
                const id = await pick(op.who);
                if (id) await db.delete(invitation).where(eq(invitation.userId, id));
                return;
              }
              case "tamper": {
                // Nothing writes the column but the triggers; a write that tries is corrected at once.
                const id = await pick(op.who);
                if (id) await db.run(sql`UPDATE access_user SET access_until = ${op.value} WHERE id = ${id}`);
                return;
              }
            }
          };
          for (const facts of [...people.map((facts) => ({ kind: "insert" as const, facts })), ...ops]) {
            await apply(facts);
            expect(await drift(facility.id)).toEqual([]);
            expect(await invitationDrift(facility.id)).toEqual([]);
          }
          await expectStoredEqualsComputed(facility.id);
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it("after sync: a pass (with auto-sent invitations), a webhook that lapses a member, a removal, an admin's edits", async () => {
    const { facility, integration } = await createSyncedFacility(db, { autoSendInvitations: true });
    await saveAccessRuleSet(db, {
      organisationId: facility.organisationId,
      facilityId: facility.id,
      ruleSet: { rules: [{ kind: "person_type", personType: "member", statuses: ["active"] }], graceDays: 3 },
      actorUserId: null,
      now: T,
      effect: { lose: 0, gain: 0 },
    });
    await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: [member("M-1"), member("M-2", { membership_status: "expired" }), member("M-3")],
      now: T,
    });
    expect((await db.select().from(invitation)).length).toBeGreaterThan(0);
    await expectStoredEqualsComputed(facility.id);
    const sender = { source: "integration" as const, integrationId: integration.id };
    await applySourceEvent({
      db,
      ...sender,
      webhookId: "w1",
      event: {
        type: "member.upserted",
        data: member("M-1", { membership_status: "expired", updated_at: "2026-11-24T13:00:00Z" }),
      },
      now: T + 1000,
    });
    const rows = await rowsByExternalId(db, facility.id);
    expect(rows.get("M-1")).toMatchObject({ graceUntil: T + 1000 + 3 * DAY_MS, accessUntil: T + 1000 + 3 * DAY_MS });
    await expectStoredEqualsComputed(facility.id);
    // A pass without M-3 removes it at the source.
    await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: [member("M-1", { membership_status: "expired" }), member("M-2", { membership_status: "expired" })],
      now: T + 2000,
    });
    expect((await rowsByExternalId(db, facility.id)).get("M-3")).toMatchObject({ accessUntil: 0 });
    await expectStoredEqualsComputed(facility.id);
    const m2 = rows.get("M-2")!;
    await updateAccessUser(db, facility.id, m2.id, { customTags: ["pool"], accessEnabled: true }, T + 3000);
    await updateAccessUser(db, facility.id, rows.get("M-1")!.id, { accessEnabled: false }, T + 3000);
    await expectStoredEqualsComputed(facility.id);
  });

  it("after an import (new rows and updates, in one transaction)", async () => {
    const facility = await createFacility(db);
    await saveAccessRuleSet(db, {
      organisationId: facility.organisationId,
      facilityId: facility.id,
      ruleSet: { rules: [{ kind: "person_type", personType: "Member", statuses: ["Active"] }], graceDays: 0 },
      actorUserId: null,
      now: T,
      effect: { lose: 0, gain: 0 },
    });
    const csv = (status: string) =>
      [
        "First name,Last name,Email,Mobile phone,Person type,Membership status,Custom tags",
        `Ann,One,ann@example.com,,Member,${status},`,
        "Bo,Two,bo@example.com,,Member,Expired,",
      ].join("\n");
    for (const status of ["Active", "Expired"]) {
      const parsed = parseUserImport(csv(status), "GB");
      if (!parsed.ok) throw new Error(parsed.error);
      const plan = await planUserImport(db, facility.id, parsed.people);
      await applyUserImport(db, {
        organisationId: facility.organisationId,
        facilityId: facility.id,
        people: parsed.people,
        fingerprint: plan.fingerprint,
        actorUserId: null,
        now: T,
      });
      await expectStoredEqualsComputed(facility.id);
    }
  });

  it("the migration holds the triggers as the definition writes them today", () => {
    const migration = readFileSync(`${migrationsFolder}/0012_stored_access.sql`, "utf8");
    for (const statement of [...accessUntilTriggerStatements(), ...invitationStateTriggerStatements()])
      expect(migration).toContain(statement);
    expect(migration).toContain(`UPDATE access_user SET access_until = ${accessUntilSql("access_user")};`);
  });
});
