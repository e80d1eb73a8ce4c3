import { describe, expect, it } from "vitest";
import { ADMIN_OWNED_FIELDS, SYNC_OWNED_FIELDS, planRecord } from "../src";
import { NOW, T0, removalInput, row, settingsOn, upsertInput } from "./fixtures";

describe("planRecord: the outcome rules, in order", () => {
  it("rule 1: Integrations off → Skipped with the help page's sentence", () => {
    const plan = planRecord(upsertInput({ settings: { ...settingsOn, sourceEnabled: false }, existingRow: row() }));
    expect(plan).toMatchObject({
      outcome: "skipped",
      reason: "Integration sync is turned off for this facility",
      write: null,
    });
  });

  it("rule 1: CCTV off → the same sentence with CCTV/Computer Vision", () => {
    const plan = planRecord(upsertInput({ source: "cctv", settings: { ...settingsOn, sourceEnabled: false } }));
    expect(plan.reason).toBe("CCTV/Computer Vision sync is turned off for this facility");
  });

  it("rule 1 comes before rule 2", () => {
    const plan = planRecord(
      upsertInput({ settings: { ...settingsOn, sourceEnabled: false, integrationEnabled: false } }),
    );
    expect(plan.reason).toBe("Integration sync is turned off for this facility");
  });

  it("rule 2: the integration opted out → Skipped", () => {
    const plan = planRecord(upsertInput({ settings: { ...settingsOn, integrationEnabled: false } }));
    expect(plan).toMatchObject({
      outcome: "skipped",
      reason: "This integration is turned off in sync settings",
      write: null,
    });
  });

  it("rule 3: a removal for a person with no row → Skipped", () => {
    const plan = planRecord(removalInput({ existingRow: null }));
    expect(plan).toMatchObject({ outcome: "skipped", reason: "No matching User Access record", write: null });
  });

  it("rule 4: a decoupled row is skipped, for upserts and removals alike", () => {
    const decoupled = row({ trackSourceUpdates: false });
    const upsert = planRecord(
      upsertInput({ existingRow: decoupled, record: { firstName: "Changed", updatedAt: T0 + 1 } }),
    );
    const removal = planRecord(removalInput({ existingRow: decoupled }));
    for (const plan of [upsert, removal]) {
      expect(plan).toMatchObject({
        outcome: "skipped",
        reason: "Record is decoupled and managed manually",
        write: null,
        patch: null,
      });
    }
  });

  it("rule 5: failing Require identifier → Skipped, and an existing row is left exactly as it is", () => {
    const plan = planRecord(
      upsertInput({ existingRow: row(), record: { email: null, mobilePhone: "  ", updatedAt: T0 + 1 } }),
    );
    expect(plan).toMatchObject({
      outcome: "skipped",
      reason: "No phone or email on the record (a phone or email is required to log in)",
      write: null,
      patch: null,
    });
  });

  it("rule 5: worded for the rule in force", () => {
    const plan = planRecord(
      upsertInput({ settings: { ...settingsOn, requireIdentifier: "email" }, record: { email: null } }),
    );
    expect(plan.reason).toBe("No email on the record (an email is required by this facility)");
  });

  it("rule 6: a removal of an active row → Disabled, marked removed at the source, nothing admin-owned touched", () => {
    const plan = planRecord(removalInput({ existingRow: row({ accessEnabled: true }) }));
    expect(plan).toMatchObject({ outcome: "disabled", reason: "Removed at the source", write: "update" });
    expect(plan.patch).toMatchObject({
      removedAtSourceAt: NOW,
      removalSourceUpdatedAt: T0 + 1000,
      sourceUpdatedAt: T0,
      firstName: "Ada",
    });
    expect(plan.changes).toEqual([{ field: "removedAtSource", from: false, to: true }]);
  });

  it("rule 7: no row yet → Added with the normalised details", () => {
    const plan = planRecord(
      upsertInput({
        record: { email: "  ADA@Example.COM ", mobilePhone: "07700 900123", tags: ["pool", "gold", "pool"] },
      }),
    );
    expect(plan).toMatchObject({ outcome: "added", write: "insert", reason: null });
    expect(plan.patch).toEqual({
      firstName: "Ada",
      lastName: "Lovelace",
      email: "ada@example.com",
      mobilePhone: "+447700900123",
      personType: "member",
      membershipStatus: "active",
      syncedTags: ["gold", "pool"],
      lastSyncedAt: NOW,
      sourceUpdatedAt: T0,
      removedAtSourceAt: null,
      removalSourceUpdatedAt: null,
    });
  });

  it("rule 8: a differing field → Updated, listing each change old → new", () => {
    const plan = planRecord(
      upsertInput({ existingRow: row(), record: { lastName: "King", tags: ["gold"], updatedAt: T0 + 1 } }),
    );
    expect(plan.outcome).toBe("updated");
    expect(plan.changes).toEqual([
      { field: "lastName", from: "Lovelace", to: "King" },
      { field: "syncedTags", from: ["gold", "pool"], to: ["gold"] },
    ]);
  });

  it("rule 8: removed at the source and back → Updated, removal mark cleared", () => {
    const plan = planRecord(
      upsertInput({ existingRow: row({ removedAtSourceAt: NOW - 1 }), record: { updatedAt: T0 + 1 } }),
    );
    expect(plan.outcome).toBe("updated");
    expect(plan.changes).toEqual([{ field: "removedAtSource", from: true, to: false }]);
    expect(plan.patch?.removedAtSourceAt).toBeNull();
  });

  it("rule 9: nothing differs → Processed with no write", () => {
    const plan = planRecord(upsertInput({ existingRow: row() }));
    expect(plan).toMatchObject({ outcome: "processed", write: null, patch: null, applied: true });
  });

  it("rule 9: nothing differs but the source's updated_at is newer → Processed, only the time recorded", () => {
    const plan = planRecord(upsertInput({ existingRow: row(), record: { updatedAt: T0 + 5 } }));
    expect(plan).toMatchObject({ outcome: "processed", write: "touch" });
    expect(plan.patch).toEqual({ ...stateOf(row()), sourceUpdatedAt: T0 + 5, lastSyncedAt: NOW });
  });

  it("rule 9: a stale event → Processed, nothing changes", () => {
    const plan = planRecord(upsertInput({ existingRow: row(), record: { firstName: "Old", updatedAt: T0 - 1 } }));
    expect(plan).toMatchObject({ outcome: "processed", write: null, patch: null, changes: [] });
  });

  it("rule 9: a stale removal → Processed, the row stays active", () => {
    const plan = planRecord(removalInput({ at: T0 - 1 }));
    expect(plan).toMatchObject({ outcome: "processed", write: null });
  });

  it("rule 9: a repeat removal → Processed", () => {
    const plan = planRecord(
      removalInput({ existingRow: row({ removedAtSourceAt: NOW - 5, removalSourceUpdatedAt: T0 + 1000 }) }),
    );
    expect(plan).toMatchObject({ outcome: "processed", write: null });
  });

  it("an upsert older than the removal refreshes the details but does not bring the person back", () => {
    const removed = row({ removedAtSourceAt: NOW - 5, removalSourceUpdatedAt: T0 + 1000 });
    const plan = planRecord(upsertInput({ existingRow: removed, record: { lastName: "King", updatedAt: T0 + 500 } }));
    expect(plan.outcome).toBe("updated");
    expect(plan.changes).toEqual([{ field: "lastName", from: "Lovelace", to: "King" }]);
    expect(plan.patch).toMatchObject({ lastName: "King", removedAtSourceAt: NOW - 5, sourceUpdatedAt: T0 + 500 });
  });

  it("an invalid contact value on a record that syncs is reported on the entry", () => {
    const plan = planRecord(upsertInput({ record: { mobilePhone: "12345" } }));
    expect(plan.outcome).toBe("added");
    expect(plan.patch?.mobilePhone).toBeNull();
    expect(plan.reason).toBe("The phone on the record is not a valid phone number, so it was left empty.");
  });
});

describe("ownership", () => {
  const inputs = [
    upsertInput(),
    upsertInput({ existingRow: row({ accessEnabled: false }), record: { firstName: "New", updatedAt: T0 + 1 } }),
    upsertInput({ existingRow: row(), record: { updatedAt: T0 + 1 } }),
    removalInput(),
    removalInput({ existingRow: row({ removedAtSourceAt: 1, sourceUpdatedAt: 0 }) }),
  ];

  it("a patch only ever holds sync-owned fields", () => {
    for (const input of inputs) {
      const plan = planRecord(input);
      expect(plan.patch).not.toBeNull();
      expect(Object.keys(plan.patch ?? {}).sort()).toEqual([...SYNC_OWNED_FIELDS].sort());
      for (const field of ADMIN_OWNED_FIELDS) expect(plan.patch).not.toHaveProperty(field);
    }
  });
});

function stateOf(r: ReturnType<typeof row>) {
  const { accessEnabled: _a, trackSourceUpdates: _t, ...state } = r;
  return state;
}
