import { describe, expect, it } from "vitest";
import { planSourceEvent, type EventPlanInput, type SourceChange } from "../src";
import { NOW, T0, facility, person, row, settingsOn } from "./fixtures";

const HOUR = 3_600_000;
const facilities = new Map([[facility.id, { facility, settings: settingsOn }]]);
const locationMap = new Map([["loc-north", facility.id]]);

function plan(change: SourceChange, overrides: Partial<EventPlanInput> = {}) {
  return planSourceEvent({
    source: "integration",
    change,
    locationMap,
    senderFacilityId: null,
    rows: new Map(),
    facilities,
    now: NOW,
    ...overrides,
  });
}

const removal = (updatedAt: number): SourceChange => ({
  kind: "removal",
  removal: { externalId: "M-1042", locationIds: ["loc-north"], updatedAt },
});
const upsert = (updatedAt: number): SourceChange => ({ kind: "upsert", person: person({ updatedAt }) });

describe("planSourceEvent", () => {
  it("a record whose locations map nowhere is one unmapped Skipped entry", () => {
    const [entry, ...rest] = plan({ kind: "upsert", person: person({ locationIds: ["loc-elsewhere"] }) });
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      facilityId: null,
      outcome: "skipped",
      reason: "No facility on the source record",
      write: null,
    });
  });

  it("a facility holding the person but no longer among their locations treats the upsert as a removal", () => {
    const [entry] = plan(
      { kind: "upsert", person: person({ locationIds: [] }) },
      { rows: new Map([[facility.id, row()]]) },
    );
    expect(entry).toMatchObject({
      facilityId: facility.id,
      outcome: "disabled",
      reason: "No longer at a location mapped to this facility",
    });
  });

  it("a removal of a person with no row is Skipped (rule 3) and remembered with its updated_at", () => {
    const [entry] = plan(removal(T0 + HOUR));
    expect(entry).toMatchObject({
      outcome: "skipped",
      reason: "No matching User Access record",
      write: null,
      rememberRemoval: T0 + HOUR,
    });
  });

  it("keeps the newest of a remembered removal and a new one", () => {
    const [entry] = plan(removal(T0), { remembered: new Map([[facility.id, T0 + HOUR]]) });
    expect(entry?.rememberRemoval).toBe(T0 + HOUR);
  });

  it("an upsert older than a remembered removal adds the row already removed at the source", () => {
    const [entry] = plan(upsert(T0), { remembered: new Map([[facility.id, T0 + HOUR]]) });
    expect(entry).toMatchObject({ outcome: "added", reason: "Removed at the source", rememberRemoval: null });
    expect(entry?.write?.patch).toMatchObject({
      removedAtSourceAt: NOW,
      removalSourceUpdatedAt: T0 + HOUR,
      sourceUpdatedAt: T0,
    });
  });

  it("an upsert newer than a remembered removal adds the person with access", () => {
    const [entry] = plan(upsert(T0 + 2 * HOUR), { remembered: new Map([[facility.id, T0 + HOUR]]) });
    expect(entry).toMatchObject({ outcome: "added", reason: null });
    expect(entry?.write?.patch).toMatchObject({ removedAtSourceAt: null, removalSourceUpdatedAt: null });
  });

  it("a removal with the source turned off is not remembered (rule 1 wins)", () => {
    const off = new Map([[facility.id, { facility, settings: { ...settingsOn, sourceEnabled: false } }]]);
    const [entry] = plan(removal(T0), { facilities: off });
    expect(entry).toMatchObject({ outcome: "skipped", rememberRemoval: null });
  });

  it("a CCTV event concerns the endpoint's facility only", () => {
    const entries = planSourceEvent({
      source: "cctv",
      change: { kind: "upsert", person: person({ locationIds: null }) },
      locationMap: null,
      senderFacilityId: facility.id,
      rows: new Map(),
      facilities,
      now: NOW,
    });
    expect(entries.map((e) => [e.facilityId, e.outcome])).toEqual([[facility.id, "added"]]);
  });
});
