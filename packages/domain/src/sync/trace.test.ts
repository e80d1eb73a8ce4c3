import { describe, it, expect } from "vitest";
import type { ExistingRow } from "./ownership";
import { traceDecision, type TraceInput } from "./trace";

const person = {
  externalId: "M-1",
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  mobilePhone: null,
  personType: "member",
  membershipStatus: "active",
  tags: [],
  locationIds: ["loc-north"],
  updatedAt: 1,
};
/** The row an earlier sync of `person` left (the rules read the whole row). */
const row = (overrides: Partial<ExistingRow>): ExistingRow => ({
  firstName: "Ada",
  lastName: "Lovelace",
  email: "ada@example.com",
  mobilePhone: null,
  personType: "member",
  membershipStatus: "active",
  syncedTags: [],
  lastSyncedAt: 1,
  sourceUpdatedAt: 1,
  removedAtSourceAt: null,
  removalSourceUpdatedAt: null,
  accessEnabled: true,
  trackSourceUpdates: true,
  ...overrides,
});
const base: TraceInput = {
  source: "integration",
  change: { kind: "upsert", person },
  facilityId: "fac-n",
  countryCode: "GB",
  settings: { sourceEnabled: true, integrationEnabled: true, requireIdentifier: "email_or_phone" },
  locationMap: new Map([
    ["loc-north", "fac-n"],
    ["loc-river", "fac-r"],
  ]),
  existingRow: null,
};
const statuses = (input: TraceInput) => traceDecision(input).map((s) => `${s.step}:${s.status}`);

describe("traceDecision", () => {
  it("walks every step for a person who will be added", () => {
    expect(statuses(base)).toEqual(["fetch:ok", "facility:ok", "settings:ok", "identifier:ok", "match:info"]);
  });

  it("stops at the facility step with the help page's sentence when no location maps", () => {
    const steps = traceDecision({
      ...base,
      change: { kind: "upsert", person: { ...person, locationIds: ["loc-closed"] } },
    });
    expect(steps.at(-1)).toEqual({ step: "facility", status: "stop", detail: "No facility on the source record" });
  });

  it("stops at settings when the source is off or the integration opted out", () => {
    expect(traceDecision({ ...base, settings: { ...base.settings, sourceEnabled: false } }).at(-1)?.detail).toBe(
      "Integration sync is turned off for this facility",
    );
    expect(traceDecision({ ...base, settings: { ...base.settings, integrationEnabled: false } }).at(-1)?.detail).toBe(
      "This integration is turned off in sync settings",
    );
  });

  it("names the identifier rule in force", () => {
    const steps = traceDecision({ ...base, settings: { ...base.settings, requireIdentifier: "phone" } });
    expect(steps.find((s) => s.step === "identifier")).toEqual({
      step: "identifier",
      status: "stop",
      detail: "No phone on the record (a phone is required by this facility)",
    });
  });

  it("says a decoupled row is managed manually, and a vanished person is a removal", () => {
    expect(traceDecision({ ...base, existingRow: row({ trackSourceUpdates: false }) }).at(-1)?.detail).toBe(
      "Record is decoupled and managed manually",
    );
    expect(traceDecision({ ...base, change: null, existingRow: row({ trackSourceUpdates: true }) })[0]?.status).toBe(
      "info",
    );
  });
});
