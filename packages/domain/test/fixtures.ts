import type { ExistingRow, PlanSettings, RecordPlanInput, SourcePerson } from "../src";

export const NOW = Date.UTC(2026, 10, 24, 12);
export const T0 = Date.UTC(2026, 10, 24, 9);

export const facility = { id: "fac_1", countryCode: "GB" };

export const settingsOn: PlanSettings = {
  sourceEnabled: true,
  integrationEnabled: true,
  requireIdentifier: "email_or_phone",
};

export function person(overrides: Partial<SourcePerson> = {}): SourcePerson {
  return {
    externalId: "M-1042",
    firstName: "Ada",
    lastName: "Lovelace",
    email: "ada@example.com",
    mobilePhone: "+447700900123",
    personType: "member",
    membershipStatus: "active",
    tags: ["gold", "pool"],
    locationIds: ["loc-north"],
    updatedAt: T0,
    ...overrides,
  };
}

/** The row `person()` produces, as stored. */
export function row(overrides: Partial<ExistingRow> = {}): ExistingRow {
  return {
    firstName: "Ada",
    lastName: "Lovelace",
    email: "ada@example.com",
    mobilePhone: "+447700900123",
    personType: "member",
    membershipStatus: "active",
    syncedTags: ["gold", "pool"],
    lastSyncedAt: T0,
    sourceUpdatedAt: T0,
    removedAtSourceAt: null,
    removalSourceUpdatedAt: null,
    accessEnabled: true,
    trackSourceUpdates: true,
    ...overrides,
  };
}

export function upsertInput(
  overrides: Partial<RecordPlanInput> & { record?: Partial<SourcePerson> } = {},
): RecordPlanInput {
  const { record, ...rest } = overrides;
  return {
    source: "integration",
    change: { kind: "upsert", person: person(record) },
    facility,
    settings: settingsOn,
    existingRow: null,
    now: NOW,
    ...rest,
  };
}

export function removalInput(overrides: Partial<RecordPlanInput> & { at?: number | null } = {}): RecordPlanInput {
  const { at, ...rest } = overrides;
  return {
    source: "integration",
    change: { kind: "removal", externalId: "M-1042", updatedAt: at === undefined ? T0 + 1000 : at, cause: "removed" },
    facility,
    settings: settingsOn,
    existingRow: row(),
    now: NOW,
    ...rest,
  };
}
