import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { accessUser, invitation, updateSyncSettings, type Db } from "@uas/db";
import { PassNotHeldError, applySourceEvent, getPass, resolveHeldPass, startPass } from "../src";
import { createSyncedFacility, createTestDb, member } from "@uas/db/testing";
import { T, entriesOf, integrationPass, members, rowsByExternalId } from "./sync-helpers";

let db: Db;
beforeEach(async () => {
  db = await createTestDb();
});

async function heldPass(count = 100, keep = 80) {
  const { facility, integration } = await createSyncedFacility(db);
  await integrationPass(db, {
    facilityId: facility.id,
    integrationId: integration.id,
    records: members(count),
    now: T,
    pageSize: 50,
  });
  const pass = await integrationPass(db, {
    facilityId: facility.id,
    integrationId: integration.id,
    records: members(count).slice(0, keep),
    now: T + 1000,
    pageSize: 50,
  });
  return { facility, integration, pass };
}

const removedCount = async (facilityId: string) =>
  [...(await rowsByExternalId(db, facilityId)).values()].filter((row) => row.removedAtSourceAt !== null).length;

describe("the mass-disable brake", () => {
  it("holds a pass that would disable more than 10% and at least 5 people: nobody is disabled", async () => {
    const { facility, pass } = await heldPass();
    expect(pass).toMatchObject({ state: "held", heldCount: 20, disabled: 0, processed: 80 });
    expect(pass.heldSample).toHaveLength(10);
    expect(pass.heldSample?.[0]).toEqual({ name: "Ada Member M-080", externalId: "M-080" });
    expect(await removedCount(facility.id)).toBe(0);
  });

  it("does not hold below either threshold", async () => {
    // 10 of 100 is not more than 10%.
    expect((await heldPass(100, 90)).pass).toMatchObject({ state: "complete", disabled: 10 });
    // 4 of 20 is 20%, but fewer than 5 people.
    expect((await heldPass(20, 16)).pass).toMatchObject({ state: "complete", disabled: 4 });
  });

  it("follows the facility's own thresholds", async () => {
    const { facility, integration } = await createSyncedFacility(db, { massDisablePercent: 50, massDisableMinimum: 1 });
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records: members(10), now: T });
    const pass = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: members(10).slice(0, 6),
      now: T + 1000,
    });
    expect(pass).toMatchObject({ state: "complete", disabled: 4 });
  });

  it("allow disables the held people, with their Disabled entries", async () => {
    const { facility, pass } = await heldPass();
    const resolved = await resolveHeldPass({ db, passId: pass.id, decision: "allow", now: T + 5000 });
    expect(resolved).toMatchObject({ state: "complete", disabled: 20, reason: "Held removals allowed by an admin" });
    expect(await removedCount(facility.id)).toBe(20);
    expect((await entriesOf(db, pass.id)).filter((e) => e.outcome === "disabled")).toHaveLength(20);
  });

  it("allow re-checks: a person the source touched since the hold is not disabled", async () => {
    const { facility, integration, pass } = await heldPass();
    await applySourceEvent({
      db,
      source: "integration",
      integrationId: integration.id,
      event: {
        type: "member.upserted",
        data: member("M-090", { updated_at: "2026-11-25T00:00:00Z", last_name: "Still here" }),
      },
      webhookId: "wh-1",
      now: T + 3000,
    });
    const resolved = await resolveHeldPass({ db, passId: pass.id, decision: "allow", now: T + 5000 });
    expect(resolved.disabled).toBe(19);
    expect((await rowsByExternalId(db, facility.id)).get("M-090")?.removedAtSourceAt).toBeNull();
  });

  it("allow re-checks: a row an admin changed since the hold is not disabled", async () => {
    const { facility, pass } = await heldPass();
    await db
      .update(accessUser)
      .set({ notes: "called them", updatedAt: T + 4000 })
      .where(eq(accessUser.externalId, "M-095"));
    const resolved = await resolveHeldPass({ db, passId: pass.id, decision: "allow", now: T + 5000 });
    expect(resolved.disabled).toBe(19);
    expect((await rowsByExternalId(db, facility.id)).get("M-095")?.removedAtSourceAt).toBeNull();
  });

  it("resolving a held pass runs Auto-send's end-of-pass step, like any pass that completes", async () => {
    const allowed = await heldPass();
    await updateSyncSettings(db, allowed.facility.id, { autoSendInvitations: true }, T + 2000);
    await resolveHeldPass({ db, passId: allowed.pass.id, decision: "allow", now: T + 5000 });
    // The 20 removed people are no longer eligible.
    expect(await db.$count(invitation, eq(invitation.facilityId, allowed.facility.id))).toBe(80);

    const rejected = await heldPass();
    await updateSyncSettings(db, rejected.facility.id, { autoSendInvitations: true }, T + 2000);
    await resolveHeldPass({ db, passId: rejected.pass.id, decision: "reject", now: T + 5000 });
    expect(await db.$count(invitation, eq(invitation.facilityId, rejected.facility.id))).toBe(100);
  });

  it("reject disables nobody", async () => {
    const { facility, pass } = await heldPass();
    const resolved = await resolveHeldPass({ db, passId: pass.id, decision: "reject", now: T + 5000 });
    expect(resolved).toMatchObject({ state: "complete", disabled: 0, reason: "Held removals rejected by an admin" });
    expect(await removedCount(facility.id)).toBe(0);
    await expect(resolveHeldPass({ db, passId: pass.id, decision: "allow", now: T + 6000 })).rejects.toBeInstanceOf(
      PassNotHeldError,
    );
  });

  it("a new pass discards a held one", async () => {
    const { facility, pass } = await heldPass();
    await startPass({ db, facilityId: facility.id, source: "integration", trigger: "manual", now: T + 7000 });
    expect(await getPass(db, pass.id)).toMatchObject({
      state: "complete",
      reason: "Held removals discarded: a newer pass started",
    });
    await expect(resolveHeldPass({ db, passId: pass.id, decision: "allow", now: T + 8000 })).rejects.toBeInstanceOf(
      PassNotHeldError,
    );
    expect(await removedCount(facility.id)).toBe(0);
  });

  it("allowing after the source was turned off disables nobody", async () => {
    const { facility, pass } = await heldPass();
    await updateSyncSettings(db, facility.id, { integrationsEnabled: false }, T);
    expect((await resolveHeldPass({ db, passId: pass.id, decision: "allow", now: T + 5000 })).disabled).toBe(0);
  });
});
