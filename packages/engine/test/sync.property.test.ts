import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { and, eq } from "drizzle-orm";
import { SYNCED_DETAIL_FIELDS, normalisePerson, requireIdentifierFailure, type SourcePerson } from "@uas/domain";
import { accessUser, type Db } from "@uas/db";
import { applySourceEvent } from "../src";
import { createSyncedFacility, createTestDb } from "@uas/db/testing";

/**
 * Random histories for two people, delivered out of order and more than once, interleaved with admin
 * edits and decouplings, applied through the real store on libSQL.
 */

type Upsert = {
  kind: "upsert";
  externalId: string;
  at: number;
  lastName: string;
  email: string | null;
  phone: string | null;
  tags: string[];
};
type Removal = { kind: "removal"; externalId: string; at: number };
type SourceEvent = Upsert | Removal;
type AdminEdit = {
  kind: "admin";
  externalId: string;
  accessEnabled: boolean;
  customTags: string[];
  notes: string;
  appMessage: string;
};
type Decouple = { kind: "decouple"; externalId: string; track: boolean };
type Step = { kind: "deliver"; event: SourceEvent } | AdminEdit | Decouple;

const PEOPLE = ["P-1", "P-2"];
const BASE = Date.UTC(2026, 10, 1);

const upsertFields = (valid: boolean) =>
  fc.record({
    lastName: fc.constantFrom("Lovelace", "King", "Byron"),
    email: valid
      ? fc.constantFrom("ada@example.com", " ADA@Example.com")
      : fc.constantFrom("ada@example.com", null, "bad"),
    phone: fc.constantFrom("+447911123456", "07911 123456", null, "12345"),
    tags: fc.subarray(["gold", "pool", "swim"]),
  });

function history(externalId: string) {
  const step = fc.oneof(
    upsertFields(false).map((u) => ({ kind: "upsert" as const, ...u })),
    fc.constant({ kind: "removal" as const }),
  );
  return fc
    .tuple(
      upsertFields(true),
      fc.array(step, { maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 6, maxLength: 6 }),
    )
    .map(([first, rest, gaps]) => {
      let at = BASE;
      return [{ kind: "upsert" as const, ...first }, ...rest].map((item, i): SourceEvent => {
        at += gaps[i] ?? 1;
        return item.kind === "removal" ? { kind: "removal", externalId, at } : { ...item, externalId, at };
      });
    });
}

const adminStep = fc.oneof(
  fc.record({
    kind: fc.constant("admin" as const),
    externalId: fc.constantFrom(...PEOPLE),
    accessEnabled: fc.boolean(),
    customTags: fc.subarray(["vip", "staff"]),
    notes: fc.string({ maxLength: 8 }),
    appMessage: fc.string({ maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("decouple" as const), externalId: fc.constantFrom(...PEOPLE), track: fc.boolean() }),
);

/**
 * Every event in any order (a removal may arrive before the person's first upsert: it is remembered),
 * some twice, with admin edits and decouplings in between.
 */
const scenario = fc.tuple(history("P-1"), history("P-2")).chain(([a, b]) => {
  const all = [...a, ...b];
  return fc
    .tuple(
      fc.shuffledSubarray(all, { minLength: all.length }),
      fc.array(fc.constantFrom(...a, ...b), { maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), adminStep), { maxLength: 6 }),
    )
    .map(([shuffled, repeats, admin]) => {
      const deliveries: Step[] = [...shuffled, ...repeats].map((event) => ({ kind: "deliver", event }));
      for (const [position, step] of admin) deliveries.splice(position % (deliveries.length + 1), 0, step);
      return { events: [...a, ...b], steps: deliveries };
    });
});

function body(event: SourceEvent) {
  const updated_at = new Date(event.at).toISOString();
  if (event.kind === "removal")
    return { type: "member.removed", data: { external_id: event.externalId, location_ids: ["loc-1"], updated_at } };
  return {
    type: "member.upserted",
    data: {
      external_id: event.externalId,
      first_name: "Ada",
      last_name: event.lastName,
      email: event.email,
      mobile_phone: event.phone,
      tags: event.tags,
      location_ids: ["loc-1"],
      updated_at,
    },
  };
}

function asPerson(event: Upsert): SourcePerson {
  return {
    externalId: event.externalId,
    firstName: "Ada",
    lastName: event.lastName,
    email: event.email,
    mobilePhone: event.phone,
    personType: null,
    membershipStatus: null,
    tags: event.tags,
    locationIds: ["loc-1"],
    updatedAt: event.at,
  };
}

/** Each distinct event once, in updated_at order. */
function inOrder(events: SourceEvent[]) {
  let state: { details: Record<string, unknown>; removed: boolean } | null = null;
  for (const event of [...events].sort((x, y) => x.at - y.at)) {
    if (event.kind === "removal") {
      if (state) state.removed = true;
      continue;
    }
    const normalised = normalisePerson(asPerson(event), { countryCode: "GB" });
    if (requireIdentifierFailure("email_or_phone", normalised) !== null) continue;
    state = { details: Object.fromEntries(SYNCED_DETAIL_FIELDS.map((f) => [f, normalised[f]])), removed: false };
  }
  return state;
}

const details = (row: Record<string, unknown>) => Object.fromEntries(SYNCED_DETAIL_FIELDS.map((f) => [f, row[f]]));

let db: Db;
beforeAll(async () => {
  db = await createTestDb();
});

describe("sync through the real store, under random deliveries and admin actions", () => {
  it("keeps admin fields, never deletes, and ends where in-order application ends", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ events, steps }) => {
        const { facility, integration } = await createSyncedFacility(db);
        const rowOf = async (externalId: string) =>
          (
            await db
              .select()
              .from(accessUser)
              .where(and(eq(accessUser.facilityId, facility.id), eq(accessUser.externalId, externalId)))
          )[0];
        const lastAdmin = new Map<string, Omit<AdminEdit, "kind" | "externalId">>();
        const decoupledEver = new Set<string>();
        const frozen = new Map<string, Record<string, unknown>>();
        const created = new Set<string>();
        let now = Date.UTC(2026, 10, 24);

        for (const step of steps) {
          now += 1000;
          if (step.kind === "deliver") {
            const result = await applySourceEvent({
              db,
              source: "integration",
              integrationId: integration.id,
              event: body(step.event),
              webhookId: `w-${step.event.at}`,
              now,
            });
            expect(result.status).toBe("applied");
          } else {
            const row = await rowOf(step.externalId);
            if (!row) continue;
            if (step.kind === "admin") {
              const { kind: _kind, externalId: _id, ...fields } = step;
              await db
                .update(accessUser)
                .set({ ...fields, updatedAt: now })
                .where(eq(accessUser.id, row.id));
              lastAdmin.set(step.externalId, fields);
            } else {
              await db
                .update(accessUser)
                .set({ trackSourceUpdates: step.track, updatedAt: now })
                .where(eq(accessUser.id, row.id));
              if (!step.track) {
                decoupledEver.add(step.externalId);
                frozen.set(step.externalId, { ...details(row), removedAtSourceAt: row.removedAtSourceAt });
              } else frozen.delete(step.externalId);
            }
          }
          for (const person of PEOPLE) {
            const row = await rowOf(person);
            if (created.has(person)) expect(row, "sync never deletes a row").toBeDefined();
            if (row) created.add(person);
            const still = frozen.get(person);
            if (row && still)
              expect(
                { ...details(row), removedAtSourceAt: row.removedAtSourceAt },
                "a decoupled row does not change",
              ).toEqual(still);
          }
        }

        for (const person of PEOPLE) {
          const row = await rowOf(person);
          const admin = lastAdmin.get(person) ?? { accessEnabled: true, customTags: [], notes: "", appMessage: "" };
          const expected = inOrder(events.filter((e) => e.externalId === person));
          expect(row).toBeDefined();
          if (!row || !expected) continue;
          expect({
            accessEnabled: row.accessEnabled,
            customTags: row.customTags,
            notes: row.notes,
            appMessage: row.appMessage,
          }).toEqual(admin);
          if (decoupledEver.has(person)) continue;
          expect(details(row)).toEqual(expected.details);
          expect(row.removedAtSourceAt !== null).toBe(expected.removed);
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
