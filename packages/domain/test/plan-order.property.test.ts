import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  SYNCED_DETAIL_FIELDS,
  normalisePerson,
  planRecord,
  requireIdentifierFailure,
  type ExistingRow,
  type PlannedChange,
  type SourcePerson,
} from "../src";
import { NOW, facility, settingsOn } from "./fixtures";

type Event = { kind: "upsert"; person: SourcePerson } | { kind: "removal"; externalId: string; updatedAt: number };

const timeOf = (e: Event) => (e.kind === "upsert" ? e.person.updatedAt : e.updatedAt);

/** One person's history: a first (valid) upsert, then upserts and removals at increasing times. */
function historyOf(externalId: string) {
  const upsert = (valid: boolean) =>
    fc.record({
      lastName: fc.constantFrom("Lovelace", "King", "Byron"),
      email: valid
        ? fc.constantFrom("ada@example.com", "ADA@example.com ")
        : fc.constantFrom("ada@example.com", null, "bad"),
      mobilePhone: fc.constantFrom("+447911123456", "07911 123456", null, "12345"),
      tags: fc.subarray(["gold", "pool", "swim"]),
    });
  const step = fc.oneof(
    upsert(false).map((u) => ({ kind: "upsert" as const, u })),
    fc.constant({ kind: "removal" as const }),
  );
  return fc
    .tuple(
      upsert(true),
      fc.array(step, { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 7, maxLength: 7 }),
    )
    .map(([first, rest, gaps]) => {
      let at = Date.UTC(2026, 10, 1);
      const events: Event[] = [];
      for (const [i, item] of [{ kind: "upsert" as const, u: first }, ...rest].entries()) {
        at += gaps[i] ?? 1;
        if (item.kind === "removal") events.push({ kind: "removal", externalId, updatedAt: at });
        else
          events.push({
            kind: "upsert",
            person: {
              externalId,
              firstName: "Ada",
              personType: null,
              membershipStatus: null,
              locationIds: null,
              updatedAt: at,
              ...item.u,
            },
          });
      }
      return events;
    });
}

/** Deliveries: the first event first (a removal before any row is forgotten, by rule 3), then the rest in any order, some twice. */
const deliveries = historyOf("M-1").chain((events) =>
  fc
    .tuple(
      fc.shuffledSubarray(events.slice(1), { minLength: events.length - 1 }),
      fc.array(fc.nat({ max: events.length - 1 }), { maxLength: 4 }),
    )
    .map(([rest, repeats]) => ({
      events,
      delivered: [events[0] as Event, ...rest, ...repeats.map((i) => events[i] as Event)],
    })),
);

function toChange(event: Event): PlannedChange {
  return event.kind === "upsert"
    ? event
    : { kind: "removal", externalId: event.externalId, updatedAt: event.updatedAt, cause: "removed" };
}

/** The reference: each distinct event once, in updated_at order, with the help page's rules in their simplest form. */
function inOrder(events: Event[]) {
  let state: { details: Record<string, unknown>; removed: boolean } | null = null;
  for (const event of [...events].sort((a, b) => timeOf(a) - timeOf(b))) {
    if (event.kind === "removal") {
      if (state) state.removed = true;
      continue;
    }
    const normalised = normalisePerson(event.person, { countryCode: "GB" });
    if (requireIdentifierFailure("email_or_phone", normalised) !== null) continue;
    state = { details: Object.fromEntries(SYNCED_DETAIL_FIELDS.map((f) => [f, normalised[f]])), removed: false };
  }
  return state;
}

describe("the pure plan, over out-of-order and repeated deliveries", () => {
  it("ends where applying each distinct event once in updated_at order ends", () => {
    fc.assert(
      fc.property(deliveries, ({ events, delivered }) => {
        let row = null as ExistingRow | null;
        let now = NOW;
        for (const event of delivered) {
          now += 1000;
          const plan = planRecord({
            source: "integration",
            change: toChange(event),
            facility,
            settings: settingsOn,
            existingRow: row,
            now,
          });
          if (plan.patch) row = { ...plan.patch, accessEnabled: row?.accessEnabled ?? true, trackSourceUpdates: true };
        }
        const expected = inOrder(events);
        if (expected === null) return row === null;
        expect(row).not.toBeNull();
        expect(Object.fromEntries(SYNCED_DETAIL_FIELDS.map((f) => [f, row?.[f]]))).toEqual(expected.details);
        expect(row?.removedAtSourceAt !== null).toBe(expected.removed);
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it("a repeated event changes nothing the second time", () => {
    fc.assert(
      fc.property(deliveries, ({ delivered }) => {
        let row = null as ExistingRow | null;
        for (const event of delivered) {
          const input = {
            source: "integration" as const,
            change: toChange(event),
            facility,
            settings: settingsOn,
            now: NOW,
          };
          const first = planRecord({ ...input, existingRow: row });
          if (first.patch) row = { ...first.patch, accessEnabled: true, trackSourceUpdates: true };
          const again = planRecord({ ...input, existingRow: row });
          if (again.write !== null || (again.outcome !== "processed" && again.outcome !== "skipped")) return false;
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
