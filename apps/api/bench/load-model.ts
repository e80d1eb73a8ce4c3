/**
 * The load bench's workload and its expectation, both pure (no I/O):
 * - two listing snapshots of one partner: A (last night, what the priming pass reads) and B (tonight,
 *   what the measured pass reads: a share of members changed since A, a few gone);
 * - the webhook events that happen during tonight's pass (updates of listed members, removals and
 *   rejoins, brand-new members who join during the pass), with their delivery plan (duplicate
 *   deliveries with the same webhook-id, events of one person delivered out of `updated_at` order);
 * - what a correct system must end with: each person's sync-owned state computed with the domain's own
 *   rules (planRecord) from the source's history in `updated_at` order — never from what the system did.
 */
import {
  parseListingRecord,
  parseSourceEvent,
  planRecord,
  resolveFacilities,
  type ExistingRow,
  type PlannedChange,
  type PlanFacility,
  type PlanSettings,
  type SourcePerson,
} from "@uas/domain";

/** A listing item / `member.upserted` data, as the partner contract spells it. */
export type Member = {
  external_id: string;
  first_name: string;
  last_name: string;
  email: string | null;
  mobile_phone: string | null;
  person_type: string;
  membership_status: string;
  tags: string[];
  location_ids: string[];
  updated_at: string;
};

export type EventGroup = "update" | "removal" | "joiner";

export type LoadEvent = {
  /** The webhook-id. */
  id: string;
  externalId: string;
  group: EventGroup;
  kind: "upsert" | "removal";
  updatedAt: number;
  body: string;
};

/** One POST: an event's first delivery, or a repeat of it with the same webhook-id. */
export type Delivery = { event: number; repeat: boolean };

export const LOCATION = "loc-north";

/** mulberry32: a small seeded generator, so a run's workload is reproducible from its seed. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]) => items[int(items.length)] as T;
  const shuffle = <T>(items: T[]) => {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  };
  return { next, int, pick, shuffle };
}
export type Rng = ReturnType<typeof seeded>;

const FIRST = [
  "Ada",
  "Grace",
  "Alan",
  "Mary",
  "Tom",
  "Priya",
  "Luis",
  "Hannah",
  "Maya",
  "Omar",
  "Yuki",
  "Zoe",
  "Ivan",
  "Lena",
];
const TAGS = ["gold", "pool", "swim", "yoga", "pt", "spin", "sauna"];
const TYPES = ["member", "member", "member", "member", "member", "member", "member", "member", "staff", "guest"];
const STATUSES = ["active", "active", "active", "active", "active", "active", "frozen", "cancelled"];

const iso = (ms: number) => new Date(ms).toISOString();

function tagsOf(rng: Rng): string[] {
  return TAGS.filter(() => rng.next() < 0.25);
}

/** Contact details with some variety: national and E.164 phones, emails needing trimming / lower-casing. */
function contacts(rng: Rng, key: string, n: number): Pick<Member, "email" | "mobile_phone"> {
  const roll = rng.next();
  const digits = String(n % 100_000).padStart(5, "0");
  const national = `07700 9${digits}`;
  const e164 = `+4477009${digits}`;
  if (roll < 0.55) return { email: `${key}@load.example`, mobile_phone: null };
  if (roll < 0.8) return { email: `${key}@load.example`, mobile_phone: e164 };
  if (roll < 0.9) return { email: ` ${key.toUpperCase()}@Load.Example `, mobile_phone: national };
  return { email: null, mobile_phone: e164 };
}

export function memberId(i: number): string {
  return `M-${String(i).padStart(7, "0")}`;
}

/** Last night's listing: `count` members at the mapped location, sorted by id (the listing's order). */
export function snapshotA(count: number, at: number, rng: Rng): Member[] {
  return Array.from({ length: count }, (_, index) => {
    const i = index + 1;
    const key = `m${i}`;
    return {
      external_id: memberId(i),
      first_name: rng.pick(FIRST),
      last_name: `Member ${i}`,
      ...contacts(rng, key, i),
      person_type: rng.pick(TYPES),
      membership_status: rng.pick(STATUSES),
      tags: tagsOf(rng),
      location_ids: [LOCATION],
      updated_at: iso(at + i),
    };
  });
}

/** Tonight's listing: `changedShare` of A changed at the partner since (newer updated_at), `departedShare` gone. */
export function snapshotB(
  a: readonly Member[],
  at: number,
  rng: Rng,
  shares: { changed: number; departed: number },
): { members: Member[]; changed: Set<string>; departed: Set<string> } {
  const changed = new Set<string>();
  const departed = new Set<string>();
  const members: Member[] = [];
  a.forEach((member, index) => {
    const roll = rng.next();
    if (roll < shares.departed) {
      departed.add(member.external_id);
      return;
    }
    if (roll < shares.departed + shares.changed) {
      changed.add(member.external_id);
      members.push({ ...mutate(member, rng), updated_at: iso(at + index) });
      return;
    }
    members.push(member);
  });
  return { members, changed, departed };
}

/** A changed record: some of the sync-owned details differ (or none: a no-op change with a newer updated_at). */
function mutate(member: Member, rng: Rng, allowNoIdentifier = false): Member {
  const next = { ...member, tags: [...member.tags] };
  const roll = rng.next();
  if (allowNoIdentifier && roll < 0.03) return { ...next, email: null, mobile_phone: null };
  if (roll < 0.1) return next;
  if (roll < 0.35) next.last_name = `${member.last_name.split(" (")[0]} (${rng.int(1000)})`;
  else if (roll < 0.55) next.email = `${member.external_id.toLowerCase()}.${rng.int(1000)}@load.example`;
  else if (roll < 0.7) next.membership_status = rng.pick(STATUSES);
  else if (roll < 0.85) next.tags = tagsOf(rng);
  else {
    next.first_name = rng.pick(FIRST);
    next.person_type = rng.pick(TYPES);
  }
  return next;
}

/**
 * `count` events that happen during tonight's pass, all with `updated_at` after B's and distinct.
 * Each person gets a short history (1–3 events, in time order): updates of a listed member (3 % of
 * them without any identifier: Skipped by the default rule), removals of a listed member (some
 * followed by a rejoin), and joiners (not in either listing) with an add and possibly updates.
 * Joiners are never removed here: a removal that overtakes a person's first upsert finds no row and is
 * Skipped by rule 3, so its final state would depend on the race, not on the source (see the README).
 */
export function makeEvents(
  count: number,
  b: readonly Member[],
  departed: ReadonlySet<string>,
  at: number,
  rng: Rng,
  mix: { removal: number; joiner: number },
): { events: LoadEvent[]; joiners: Set<string> } {
  const listed = rng.shuffle(b.filter((m) => !departed.has(m.external_id)).map((m) => m));
  let nextListed = 0;
  let nextJoiner = 1;
  const joiners = new Set<string>();
  type Draft = Omit<LoadEvent, "id" | "updatedAt" | "body"> & { data: Record<string, unknown> };
  const chains: Draft[][] = [];
  let drafted = 0;
  while (drafted < count) {
    const roll = rng.next();
    const length = 1 + rng.int(3);
    const chain: Draft[] = [];
    if (roll < mix.joiner || nextListed >= listed.length) {
      const i = nextJoiner;
      nextJoiner += 1;
      const externalId = `J-${String(i).padStart(7, "0")}`;
      joiners.add(externalId);
      let record: Member = {
        external_id: externalId,
        first_name: rng.pick(FIRST),
        last_name: `Joiner ${i}`,
        ...contacts(rng, `j${i}`, i + 500_000),
        person_type: rng.pick(TYPES),
        membership_status: "active",
        tags: tagsOf(rng),
        location_ids: [LOCATION],
        updated_at: "",
      };
      // A joiner always has an identifier, so their first event adds them.
      if (record.email === null && record.mobile_phone === null) record = { ...record, email: `j${i}@load.example` };
      for (let k = 0; k < length; k += 1) {
        if (k > 0) record = mutate(record, rng);
        chain.push({ externalId, group: "joiner", kind: "upsert", data: record });
      }
    } else if (roll < mix.joiner + mix.removal) {
      const member = listed[nextListed++] as Member;
      const externalId = member.external_id;
      chain.push({
        externalId,
        group: "removal",
        kind: "removal",
        data: { external_id: externalId, location_ids: [LOCATION] },
      });
      // Some come back (a rejoin): the newer upsert must bring them back, whatever the delivery order.
      if (length > 1) chain.push({ externalId, group: "removal", kind: "upsert", data: mutate(member, rng) });
    } else {
      const member = listed[nextListed++] as Member;
      let record = member;
      for (let k = 0; k < length; k += 1) {
        record = mutate(record, rng, true);
        chain.push({ externalId: member.external_id, group: "update", kind: "upsert", data: record });
        // The next change starts from a record that has an identifier again.
        if (record.email === null && record.mobile_phone === null) record = member;
      }
    }
    chains.push(chain.slice(0, count - drafted));
    drafted += Math.min(chain.length, count - drafted);
  }
  // Distinct times spread over the window, each chain's in its order: the source's history.
  const offsets = new Set<number>();
  while (offsets.size < count) offsets.add(rng.int(count * 40));
  const pool = rng.shuffle([...offsets]);
  const events: LoadEvent[] = [];
  let used = 0;
  for (const chain of chains) {
    const times = pool.slice(used, used + chain.length).sort((x, y) => x - y);
    used += chain.length;
    chain.forEach((draft, k) => {
      const updatedAt = at + (times[k] as number);
      const type = draft.kind === "upsert" ? "member.upserted" : "member.removed";
      const data = { ...draft.data, updated_at: iso(updatedAt) };
      events.push({
        id: "",
        externalId: draft.externalId,
        group: draft.group,
        kind: draft.kind,
        updatedAt,
        body: JSON.stringify({ type, data }),
      });
    });
  }
  events.sort((x, y) => x.updatedAt - y.updatedAt);
  events.forEach((event, i) => {
    event.id = `load-${i}`;
  });
  return { events, joiners };
}

/**
 * Deliveries in `updated_at` order, then: people whose events are delivered newest first until
 * `outOfOrderShare` of all events arrive after a newer event of the same person, and `duplicateShare`
 * of events delivered a second time with the same webhook-id, a little later (some while the first is
 * still in flight).
 */
export function deliveryPlan(
  events: readonly LoadEvent[],
  rng: Rng,
  shares: { outOfOrder: number; duplicate: number },
): { deliveries: Delivery[]; outOfOrder: number; repeats: number } {
  const order = events.map((_, i) => i);
  const byPerson = new Map<string, number[]>();
  events.forEach((event, i) => {
    byPerson.set(event.externalId, [...(byPerson.get(event.externalId) ?? []), i]);
  });
  const multi = rng.shuffle([...byPerson.values()].filter((positions) => positions.length > 1));
  const target = Math.round(shares.outOfOrder * events.length);
  let outOfOrder = 0;
  for (const positions of multi) {
    if (outOfOrder >= target) break;
    // positions are ascending (events are in time order): deliver this person's events newest first.
    const reversed = [...positions].reverse();
    positions.forEach((slot, k) => {
      order[slot] = reversed[k] as number;
    });
    outOfOrder += positions.length - 1;
  }
  const keyed: Array<{ key: number; delivery: Delivery }> = order.map((event, slot) => ({
    key: slot,
    delivery: { event, repeat: false },
  }));
  const repeats = Math.round(shares.duplicate * events.length);
  const chosen = rng.shuffle(order.map((_, slot) => slot)).slice(0, repeats);
  for (const slot of chosen) {
    keyed.push({ key: slot + 1 + rng.int(200) + 0.5, delivery: { event: order[slot] as number, repeat: true } });
  }
  keyed.sort((x, y) => x.key - y.key);
  return { deliveries: keyed.map((k) => k.delivery), outOfOrder, repeats };
}

/** The sync-owned state compared with the database (our clock's times are not: they are the system's). */
export type ExpectedRow = {
  firstName: string;
  lastName: string;
  email: string | null;
  mobilePhone: string | null;
  personType: string | null;
  membershipStatus: string | null;
  syncedTags: string[];
  sourceUpdatedAt: number | null;
  removed: boolean;
  removalSourceUpdatedAt: number | null;
};

export type ExpectationInput = {
  facility: PlanFacility;
  settings: PlanSettings;
  /** The integration's location → facility map. */
  locationMap: ReadonlyMap<string, string>;
  a: readonly Member[];
  b: readonly Member[];
  /** The events the system accepted (answered 202), each once. */
  events: readonly LoadEvent[];
};

/**
 * What a correct system ends with, per person (null: no row), computed by the domain's planRecord
 * from the source's history in `updated_at` order: last night's listing record (the priming pass),
 * tonight's listing record, each accepted event once; then, for people absent from tonight's complete
 * listing and not touched during the pass, the end-of-pass removal ("absent"). The rules make the
 * result independent of delivery order for these histories (every listed member already has a row;
 * joiners are only upserted), which is why it is the honest expectation for a concurrent run.
 */
export function expectedRows(input: ExpectationInput): Map<string, ExpectedRow | null> {
  const { facility, settings, locationMap } = input;
  let clock = 1;
  type Step = { at: number; change: (row: ExistingRow | null) => PlannedChange | null };
  const history = new Map<string, Step[]>();
  const add = (id: string, step: Step) => history.set(id, [...(history.get(id) ?? []), step]);
  const asChange = (person: SourcePerson, row: ExistingRow | null): PlannedChange | null => {
    const mapped = resolveFacilities(person.locationIds ?? [], locationMap);
    if (mapped.includes(facility.id)) return { kind: "upsert", person };
    // Not (or no longer) at this facility: a removal for a row it holds, nothing otherwise.
    return row ? { kind: "removal", externalId: person.externalId, updatedAt: person.updatedAt, cause: "moved" } : null;
  };
  const listingStep = (member: Member): Step => {
    const parsed = parseListingRecord("integration", member);
    if (!parsed.ok) throw new Error(`bench bug: listing record ${member.external_id} does not parse`);
    return { at: parsed.person.updatedAt, change: (row) => asChange(parsed.person, row) };
  };
  for (const member of input.a) add(member.external_id, listingStep(member));
  for (const member of input.b) add(member.external_id, listingStep(member));
  const touched = new Set<string>();
  for (const event of input.events) {
    const parsed = parseSourceEvent("integration", JSON.parse(event.body));
    if (!parsed.ok) throw new Error(`bench bug: event ${event.id} does not parse`);
    const change = parsed.change;
    touched.add(event.externalId);
    if (change.kind === "upsert")
      add(event.externalId, { at: change.person.updatedAt, change: (row) => asChange(change.person, row) });
    else {
      const removal = change.removal;
      add(event.externalId, {
        at: removal.updatedAt,
        change: () => ({
          kind: "removal",
          externalId: removal.externalId,
          updatedAt: removal.updatedAt,
          cause: "removed",
        }),
      });
    }
  }
  const inB = new Set(input.b.map((m) => m.external_id));
  const result = new Map<string, ExpectedRow | null>();
  for (const [externalId, steps] of history) {
    // Stable: a person's record in A and in B unchanged share a time and are the same record.
    steps.sort((x, y) => x.at - y.at);
    let row: ExistingRow | null = null;
    const apply = (change: PlannedChange | null) => {
      if (!change) return;
      const plan = planRecord({ source: "integration", change, facility, settings, existingRow: row, now: ++clock });
      if (plan.write && plan.patch) {
        row = {
          ...plan.patch,
          trackSourceUpdates: row?.trackSourceUpdates ?? true,
          accessEnabled: row?.accessEnabled ?? true,
        };
      }
    };
    for (const step of steps) apply(step.change(row));
    // The end-of-pass sweep: absent from tonight's complete listing, untouched during the pass, still active.
    const current = row as ExistingRow | null;
    if (current && !inB.has(externalId) && !touched.has(externalId) && current.removedAtSourceAt === null) {
      apply({ kind: "removal", externalId, updatedAt: null, cause: "absent" });
    }
    result.set(externalId, toExpected(row));
  }
  return result;
}

function toExpected(row: ExistingRow | null): ExpectedRow | null {
  if (!row) return null;
  return {
    firstName: row.firstName,
    lastName: row.lastName,
    email: row.email,
    mobilePhone: row.mobilePhone,
    personType: row.personType,
    membershipStatus: row.membershipStatus,
    syncedTags: [...row.syncedTags].sort(),
    sourceUpdatedAt: row.sourceUpdatedAt,
    removed: row.removedAtSourceAt !== null,
    removalSourceUpdatedAt: row.removalSourceUpdatedAt,
  };
}

/** The fields of one row that differ from the expectation (empty: equal). */
export function differences(expected: ExpectedRow | null, actual: ExpectedRow | null): string[] {
  if (expected === null || actual === null)
    return expected === actual ? [] : [expected === null ? "unexpected row" : "missing row"];
  const out: string[] = [];
  for (const key of Object.keys(expected) as Array<keyof ExpectedRow>) {
    const e = expected[key];
    const a = actual[key];
    const same =
      Array.isArray(e) && Array.isArray(a) ? e.length === a.length && e.every((v, i) => v === a[i]) : e === a;
    if (!same) out.push(`${key}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
  }
  return out;
}
