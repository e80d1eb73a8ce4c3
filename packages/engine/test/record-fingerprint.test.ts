import { beforeEach, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { accessUser, listPassActivity, updateSyncSettings, type Db } from "@uas/db";
import { createSyncedFacility, createTestDb } from "@uas/db/testing";
import { parseListingRecord, recordFingerprint } from "@uas/domain";
import { T, integrationPass, members, rowsByExternalId } from "./sync-helpers";

/**
 * ADR 0019, amendment: a record the row took unchanged is Processed without being planned again. What the
 * log and the rows show must be what planning it in full shows: any change to the record, to the settings
 * its plan reads, or to the row's state since the write gives another fingerprint and a full plan.
 */
describe("record fingerprints", () => {
  let db: Db;
  beforeEach(async () => {
    db = await createTestDb();
  });

  const outcomes = async (passId: string) =>
    Object.fromEntries((await listPassActivity(db, passId)).map((e) => [e.externalId, [e.outcome, e.reason]]));

  it("a pass stores each written record's fingerprint, none for a record planned with a note", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(4, (i) => (i === 3 ? { mobile_phone: "12345" } : {}));
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const rows = await rowsByExternalId(db, facility.id);
    for (const id of ["M-000", "M-001", "M-002"]) expect(rows.get(id)?.recordFingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(["M-000", "M-001", "M-002"].map((id) => rows.get(id)?.recordFingerprint)).size).toBe(3);
    expect(rows.get("M-003")?.recordFingerprint).toBeNull();
    // The same record at the row as written has the stored fingerprint: the next pass does not plan it.
    const parsed = parseListingRecord("integration", records[0]);
    const row = rows.get("M-000");
    if (!parsed.ok || !row) throw new Error("M-000 should parse and have a row");
    const settings = { countryCode: facility.countryCode, requireIdentifier: "email_or_phone" as const };
    expect(recordFingerprint(parsed.person, row, settings)).toBe(row.recordFingerprint);
    expect(recordFingerprint({ ...parsed.person, lastName: "Other" }, row, settings)).not.toBe(row.recordFingerprint);
    // Unchanged: Processed, the note still there, nothing written.
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T + 60_000,
    });
    expect(second).toMatchObject({ processed: 4, added: 0, updated: 0, skipped: 0 });
    const shown = await outcomes(second.id);
    expect(shown["M-000"]).toEqual(["processed", null]);
    expect(shown["M-003"]?.[0]).toBe("processed");
    expect(shown["M-003"]?.[1]).toMatch(/phone/);
    expect(await rowsByExternalId(db, facility.id)).toEqual(rows);
  });

  it("a row changed since (by hand, an import, a merge) is planned in full: Updated back to the source", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(3);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const before = await rowsByExternalId(db, facility.id);
    await db
      .update(accessUser)
      .set({ firstName: "Edited" })
      .where(eq(accessUser.id, before.get("M-001")?.id ?? ""));
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T + 60_000,
    });
    expect(second).toMatchObject({ processed: 2, updated: 1 });
    const entry = (await listPassActivity(db, second.id)).find((e) => e.externalId === "M-001");
    expect(entry?.outcome).toBe("updated");
    expect(entry?.changes).toEqual([{ field: "firstName", from: "Edited", to: "Ada" }]);
    const after = await rowsByExternalId(db, facility.id);
    expect(after.get("M-001")?.firstName).toBe("Ada");
    // Taken again: the same fingerprint as the first write of that record.
    expect(after.get("M-001")?.recordFingerprint).toBe(before.get("M-001")?.recordFingerprint);
  });

  it("a changed record, or a changed setting the plan reads, is planned in full", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(3, (i) => (i === 2 ? { email: null, mobile_phone: "+447700900123" } : {}));
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const changed = records.map((r, i) => (i === 0 ? { ...r, last_name: "Renamed" } : r));
    const second = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: changed,
      now: T + 60_000,
    });
    expect(await outcomes(second.id)).toMatchObject({ "M-000": ["updated", null], "M-001": ["processed", null] });
    // "Require an identifier: email": the person without an email is skipped now, not Processed.
    await updateSyncSettings(db, facility.id, { requireIdentifier: "email" }, T + 90_000);
    const third = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: changed,
      now: T + 120_000,
    });
    expect(third).toMatchObject({ processed: 2, skipped: 1 });
    expect((await outcomes(third.id))["M-002"]?.[0]).toBe("skipped");
  });

  it("a decoupled row is skipped and a removed one comes back, fingerprint or not", async () => {
    const { facility, integration } = await createSyncedFacility(db);
    const records = members(3);
    await integrationPass(db, { facilityId: facility.id, integrationId: integration.id, records, now: T });
    const rows = await rowsByExternalId(db, facility.id);
    await db
      .update(accessUser)
      .set({ trackSourceUpdates: false })
      .where(eq(accessUser.id, rows.get("M-000")?.id ?? ""));
    // M-001 left the listing: disabled at the pass end.
    await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records: [records[0], records[2]],
      now: T + 60_000,
    });
    expect((await rowsByExternalId(db, facility.id)).get("M-001")?.removedAtSourceAt).not.toBeNull();
    const third = await integrationPass(db, {
      facilityId: facility.id,
      integrationId: integration.id,
      records,
      now: T + 120_000,
    });
    expect(await outcomes(third.id)).toMatchObject({
      "M-000": ["skipped", expect.stringMatching(/.+/)],
      "M-001": ["updated", null],
      "M-002": ["processed", null],
    });
    expect((await rowsByExternalId(db, facility.id)).get("M-001")?.removedAtSourceAt).toBeNull();
  });
});
