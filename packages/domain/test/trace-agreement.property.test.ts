import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  REQUIRE_IDENTIFIER_OPTIONS,
  SKIP_REASONS,
  planSourceEvent,
  traceDecision,
  type ExistingRow,
  type SourceChange,
  type SyncSource,
} from "../src";
import { NOW, T0, person, row } from "./fixtures";

/**
 * "Sync this person now" explains with traceDecision what the engine then decides with planSourceEvent
 * (planRecord per facility). Both walk the same rule list, so on any record, settings and row the trace
 * stops exactly where the plan skips, with the same sentence, and does not stop when the plan applies.
 */
const FACILITY = "fac_1";
const LOCATION_MAP = new Map([
  ["loc-here", FACILITY],
  ["loc-other", "fac_2"],
]);

const contacts = {
  email: fc.constantFrom("ada@example.com", " ADA@Example.com", "not-an-email", null),
  mobilePhone: fc.constantFrom("+447700900123", "07700 900123", "12345", null),
};

const arbitraryRow: fc.Arbitrary<ExistingRow | null> = fc.option(
  fc
    .record({
      trackSourceUpdates: fc.boolean(),
      accessEnabled: fc.boolean(),
      sourceUpdatedAt: fc.option(fc.integer({ min: T0 - 2, max: T0 + 2 })),
      removedAtSourceAt: fc.option(fc.constant(T0)),
      removalSourceUpdatedAt: fc.option(fc.integer({ min: T0 - 2, max: T0 + 2 })),
      ...contacts,
    })
    .map((overrides) => row(overrides)),
);

const scenario = fc.record({
  source: fc.constantFrom<SyncSource>("integration", "cctv"),
  settings: fc.record({
    sourceEnabled: fc.boolean(),
    integrationEnabled: fc.boolean(),
    requireIdentifier: fc.constantFrom(...REQUIRE_IDENTIFIER_OPTIONS),
  }),
  /** null: the source no longer has the person. */
  record: fc.option(
    fc.record({
      ...contacts,
      locationIds: fc.subarray(["loc-here", "loc-other", "loc-closed"]),
      updatedAt: fc.integer({ min: T0 - 2, max: T0 + 2 }),
    }),
  ),
  existingRow: arbitraryRow,
  removedAt: fc.integer({ min: T0 - 2, max: T0 + 2 }),
});

describe("the trace of Sync this person now and the engine's plan", () => {
  it("stop at the same rule with the same reason, on random records, settings and rows", () => {
    fc.assert(
      fc.property(scenario, ({ source, settings, record, existingRow, removedAt }) => {
        const integration = source === "integration";
        const upsert = record && person({ ...record, locationIds: integration ? record.locationIds : null });
        // As fetchedPersonEvent: a person the source no longer has is a removal at this facility's locations.
        const change: SourceChange = upsert
          ? { kind: "upsert", person: upsert }
          : {
              kind: "removal",
              removal: { externalId: "M-1042", locationIds: integration ? ["loc-here"] : null, updatedAt: removedAt },
            };
        const trace = traceDecision({
          source,
          change: upsert ? change : null,
          facilityId: FACILITY,
          countryCode: "GB",
          settings,
          locationMap: integration ? LOCATION_MAP : null,
          existingRow,
        });
        const entries = planSourceEvent({
          source,
          change,
          locationMap: integration ? LOCATION_MAP : null,
          senderFacilityId: integration ? null : FACILITY,
          rows: existingRow ? new Map([[FACILITY, existingRow]]) : new Map(),
          facilities: new Map([[FACILITY, { facility: { id: FACILITY, countryCode: "GB" }, settings }]]),
          now: NOW,
        });
        // As syncPersonNow reads the engine's answer: this facility's entry, else the record's own, else nothing to match.
        const entry = entries.find((e) => e.facilityId === FACILITY) ?? entries.find((e) => e.facilityId === null);
        const planned = entry ? (entry.outcome === "skipped" ? entry.reason : null) : SKIP_REASONS.noMatchingRow;
        const stops = trace.filter((step) => step.status === "stop");
        expect(stops.length).toBeLessThanOrEqual(1);
        expect(stops[0]?.detail ?? null).toBe(planned);
      }),
      { numRuns: 2000 },
    );
  });
});
