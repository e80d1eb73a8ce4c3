import { describe, expect, it } from "vitest";
import { planPage, type ParsedListingRecord, type SourcePerson } from "../src";
import { NOW, T0, facility, person, row, settingsOn } from "./fixtures";

const ok = (overrides: Partial<SourcePerson> = {}): ParsedListingRecord => ({ ok: true, person: person(overrides) });
const locationMap = new Map([
  ["loc-north", "fac_1"],
  ["loc-south", "fac_2"],
]);

function plan(records: ParsedListingRecord[], existing: [string, ReturnType<typeof row>][] = []) {
  return planPage({
    source: "integration",
    facility,
    settings: settingsOn,
    locationMap,
    records,
    existingRows: new Map(existing),
    now: NOW,
  });
}

describe("planPage", () => {
  it("writes a person listed twice once, with the newest details, and an entry for each record", () => {
    const page = plan([ok({ externalId: "M-1" }), ok({ externalId: "M-1", lastName: "King", updatedAt: T0 + 1 })]);
    expect(page.entries.map((e) => [e.outcome, e.externalId])).toEqual([
      ["added", "M-1"],
      ["updated", "M-1"],
    ]);
    expect(page.writes).toHaveLength(1);
    expect(page.writes[0]).toMatchObject({
      externalId: "M-1",
      isNew: true,
      write: "insert",
      patch: { lastName: "King" },
    });
    expect(page.counts).toEqual({ added: 1, updated: 1, skipped: 0, disabled: 0, processed: 0 });
  });

  it("a record with no mapped location is one unmapped Skipped entry", () => {
    const page = plan([ok({ externalId: "M-2", locationIds: ["loc-closed"] })]);
    expect(page.entries).toEqual([
      {
        scope: "unmapped",
        externalId: "M-2",
        name: "Ada Lovelace",
        outcome: "skipped",
        reason: "No facility on the source record",
        changes: null,
      },
    ]);
    expect(page.writes).toEqual([]);
  });

  it("a record for other facilities only is left to the sweep: no entry, no write, not seen", () => {
    const page = plan([ok({ externalId: "M-3", locationIds: ["loc-south"] })], [["M-3", row()]]);
    expect(page).toEqual({
      entries: [],
      writes: [],
      marks: [],
      counts: { added: 0, updated: 0, skipped: 0, disabled: 0, processed: 0 },
    });
  });

  it("an unchanged row is marked seen and refreshed; a skipped one only seen; a decoupled one left alone", () => {
    const page = plan(
      [
        ok({ externalId: "A" }),
        ok({ externalId: "B", email: null, mobilePhone: null }),
        ok({ externalId: "C", lastName: "New" }),
      ],
      [
        ["A", row()],
        ["B", row()],
        ["C", row({ trackSourceUpdates: false })],
      ],
    );
    expect(page.entries.map((e) => e.outcome)).toEqual(["processed", "skipped", "skipped"]);
    expect(page.marks).toEqual([
      { externalId: "A", refresh: true },
      { externalId: "B", refresh: false },
    ]);
    expect(page.writes).toEqual([]);
  });

  it("a record failing the contract is a Skipped entry and still keeps its row from the sweep", () => {
    const page = plan(
      [{ ok: false, externalId: "M-4", issues: [{ path: "updated_at", message: "Required" }] }],
      [["M-4", row()]],
    );
    expect(page.entries).toEqual([
      {
        scope: "facility",
        externalId: "M-4",
        name: "",
        outcome: "skipped",
        reason: "The source record does not match the contract (updated_at: Required)",
        changes: null,
      },
    ]);
    expect(page.marks).toEqual([{ externalId: "M-4", refresh: false }]);
  });
});
