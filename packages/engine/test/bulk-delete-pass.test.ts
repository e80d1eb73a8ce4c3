import { describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import {
  accessGrant,
  accessUser,
  previewBulkDeleteScope,
  deleteBulkScope,
  type BulkDeleteScope,
  type Db,
} from "@uas/db";
import { createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { runFullPass, startPass } from "../src";
import { listingsOf, memoryListing } from "../src/testing";

const NOW = Date.UTC(2026, 10, 24, 12);

describe("bulk delete and the next sync pass", () => {
  const listing = memoryListing([member("M-1"), member("M-2")]);

  async function syncedAndCustomised(db: Db) {
    const { facility, integration } = await createSyncedFacility(db);
    const listingFor = listingsOf({ [integration.id]: listing });
    const pass = async () => {
      const { pass } = await startPass({
        db,
        facilityId: facility.id,
        source: "integration",
        trigger: "manual",
        now: NOW,
      });
      return runFullPass({ db, passId: pass.id, listingFor, now: NOW });
    };
    expect((await pass()).added).toBe(2);
    const users = await db.select().from(accessUser).where(eq(accessUser.facilityId, facility.id));
    for (const user of users) {
      await db
        .update(accessUser)
        .set({ customTags: ["vip"], notes: "keep the locker", version: user.version + 1 })
        .where(eq(accessUser.id, user.id));
      await db.insert(accessGrant).values({ id: crypto.randomUUID(), userId: user.id, name: "Pool", createdAt: NOW });
    }
    const scope: BulkDeleteScope = { kind: "integration", integrationId: integration.id };
    const { token } = await previewBulkDeleteScope(db, facility.id, scope);
    const remove = (alsoTurnOff: boolean) =>
      deleteBulkScope(db, {
        facilityId: facility.id,
        organisationId: facility.organisationId,
        scope,
        token,
        alsoTurnOff,
        actorUserId: null,
        now: NOW,
      });
    return { facility, users, pass, remove };
  }

  it("with the turn-off unticked, recreates the users without their old customisations", async () => {
    const db = await createTestDb();
    const { facility, users, pass, remove } = await syncedAndCustomised(db);
    expect(await remove(false)).toEqual({ deleted: 2 });
    expect((await pass()).added).toBe(2);
    const recreated = await db
      .select()
      .from(accessUser)
      .where(eq(accessUser.facilityId, facility.id))
      .orderBy(accessUser.externalId);
    expect(recreated.map((u) => u.externalId)).toEqual(["M-1", "M-2"]);
    for (const user of recreated) {
      expect(users.map((u) => u.id)).not.toContain(user.id);
      expect(user).toMatchObject({ customTags: [], notes: "" });
    }
    expect(
      await db.$count(
        accessGrant,
        inArray(
          accessGrant.userId,
          recreated.map((u) => u.id),
        ),
      ),
    ).toBe(0);
  });

  it("with the turn-off ticked, the next pass recreates nobody", async () => {
    const db = await createTestDb();
    const { facility, pass, remove } = await syncedAndCustomised(db);
    await remove(true);
    const next = await pass();
    expect(next.added).toBe(0);
    expect(await db.$count(accessUser, eq(accessUser.facilityId, facility.id))).toBe(0);
  });
});
