import { FIRST_NAMES, LAST_NAMES, TAGS, emailSlug } from "./names";
import { createRng, hashString, type Rng } from "./random";
import type { CctvPerson, Member, MembershipStatus, PersonType } from "./types";

export const DEFAULT_LOCATIONS = ["loc-north", "loc-river"] as const;
/** A partner location no facility maps to, so the product's "No facility on the source record" path gets exercised. */
export const UNMAPPED_LOCATION = "loc-closed";
export const DEFAULT_MEMBER_COUNT = 300;
export const DEFAULT_CCTV_PEOPLE_COUNT = 36;
export const DEFAULT_SEED = 42;

const BASE_TIME = Date.UTC(2026, 10, 20);
const MAX_AGE_SECONDS = 120 * 24 * 3600;

export const INVALID_EMAILS = ["not-an-email", "missing-domain@", "@example.com"] as const;
export const INVALID_PHONES = ["12345", "not-a-phone", "+44 1"] as const;

type ContactCase =
  | "normal"
  | "no-email"
  | "no-phone"
  | "no-contact"
  | "invalid-email"
  | "invalid-phone"
  | "messy-email";
type LocationCase = "one" | "both" | "unmapped" | "unmapped-and-mapped" | "none";

/**
 * Edge cases are placed by quota (then shuffled), not by chance, so every seed and any
 * count large enough to hold them contains each one. Earlier entries win when the count is small.
 */
function plan<T extends string>(count: number, quotas: Array<[T, number]>, fallback: T, rng: Rng): T[] {
  const cases: T[] = [];
  for (const [name, rate] of quotas) {
    const wanted = Math.max(1, Math.round(count * rate));
    for (let i = 0; i < wanted && cases.length < count; i++) cases.push(name);
  }
  while (cases.length < count) cases.push(fallback);
  return rng.shuffle(cases);
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function randomUpdatedAt(rng: Rng): string {
  return isoSeconds(BASE_TIME - rng.int(MAX_AGE_SECONDS) * 1000);
}

/**
 * Fictional numbers only: Ofcom's drama range (07700 900000-900999) and NANP 555-0100..0199.
 * Formats vary on purpose because the product normalises phones to E.164.
 */
function phoneFactory(rng: Rng): () => string {
  const used = new Set<string>();
  const draw = (): [string, string] => {
    const roll = rng.next();
    if (roll < 0.8) {
      const sub = String(rng.int(1000)).padStart(3, "0");
      const key = `uk${sub}`;
      if (roll < 0.45) return [key, `+447700900${sub}`];
      if (roll < 0.7) return [key, `07700 900${sub}`];
      return [key, `+44 7700 900${sub}`];
    }
    const area = rng.pick([202, 212, 312, 415, 617]);
    const line = String(rng.int(100)).padStart(2, "0");
    return [`us${area}${line}`, `+1 ${area}-555-01${line}`];
  };
  return () => {
    let [key, phone] = draw();
    // Prefer unique numbers, but the fictional ranges are small: accept a repeat rather than loop forever.
    for (let tries = 0; used.has(key) && tries < 20; tries++) [key, phone] = draw();
    used.add(key);
    return phone;
  };
}

interface Contact {
  email: string | null;
  mobile_phone: string | null;
}

function contactFor(
  kind: ContactCase,
  first: string,
  last: string,
  n: number,
  nextPhone: () => string,
  rng: Rng,
): Contact {
  const email = `${emailSlug(first)}.${emailSlug(last)}${n}@example.com`;
  switch (kind) {
    case "normal":
      return { email, mobile_phone: nextPhone() };
    case "no-email":
      return { email: null, mobile_phone: nextPhone() };
    case "no-phone":
      return { email, mobile_phone: null };
    case "no-contact":
      return { email: null, mobile_phone: null };
    case "invalid-email":
      return { email: rng.pick(INVALID_EMAILS), mobile_phone: nextPhone() };
    case "invalid-phone":
      return { email, mobile_phone: rng.pick(INVALID_PHONES) };
    case "messy-email":
      // Valid once trimmed and lower-cased, as the contract says the product does.
      return {
        email: `  ${email.replace(/^./, (c) => c.toUpperCase()).replace("@example.com", "@Example.COM")} `,
        mobile_phone: nextPhone(),
      };
  }
}

function locationsFor(kind: LocationCase, locations: readonly string[], rng: Rng): string[] {
  const one = (): string => rng.pick(locations);
  switch (kind) {
    case "one":
      return [one()];
    case "both":
      return locations.length < 2
        ? [one()]
        : rng
            .shuffle([...locations])
            .slice(0, 2)
            .sort();
    case "unmapped":
      return [UNMAPPED_LOCATION];
    case "unmapped-and-mapped":
      return [one(), UNMAPPED_LOCATION];
    case "none":
      return [];
  }
}

function pickTags(rng: Rng): string[] {
  const count = rng.pick([0, 1, 1, 2, 2, 3]);
  return rng
    .shuffle([...TAGS])
    .slice(0, count)
    .sort();
}

function weighted<T>(rng: Rng, options: Array<[T, number]>): T {
  let roll = rng.next();
  for (const [value, weight] of options) {
    if (roll < weight) return value;
    roll -= weight;
  }
  return (options[options.length - 1] as [T, number])[0];
}

export interface GenerateMembersOptions {
  seed?: number;
  count?: number;
  /** Mapped partner location ids; `loc-closed` is added on top as the unmapped one. */
  locations?: readonly string[];
}

export function generateMembers(options: GenerateMembersOptions = {}): Member[] {
  const { seed = DEFAULT_SEED, count = DEFAULT_MEMBER_COUNT, locations = DEFAULT_LOCATIONS } = options;
  if (locations.length === 0) throw new Error("generateMembers needs at least one location");
  const rng = createRng(seed);
  const contacts = plan<ContactCase>(
    count,
    [
      ["no-contact", 0.02],
      ["invalid-email", 0.015],
      ["invalid-phone", 0.015],
      ["no-email", 0.08],
      ["no-phone", 0.08],
      ["messy-email", 0.01],
    ],
    "normal",
    rng,
  );
  const places = plan<LocationCase>(
    count,
    [
      ["none", 0.02],
      ["unmapped", 0.03],
      ["both", 0.15],
      ["unmapped-and-mapped", 0.01],
    ],
    "one",
    rng,
  );
  const nextPhone = phoneFactory(rng);
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1001 + i;
    const first_name = rng.pick(FIRST_NAMES);
    const last_name = rng.pick(LAST_NAMES);
    members.push({
      external_id: `M-${n}`,
      first_name,
      last_name,
      ...contactFor(contacts[i] as ContactCase, first_name, last_name, n, nextPhone, rng),
      person_type: weighted<PersonType>(rng, [
        ["member", 0.85],
        ["staff", 0.08],
        ["guest", 0.07],
      ]),
      membership_status: weighted<MembershipStatus>(rng, [
        ["active", 0.75],
        ["frozen", 0.12],
        ["cancelled", 0.13],
      ]),
      tags: pickTags(rng),
      location_ids: locationsFor(places[i] as LocationCase, locations, rng),
      updated_at: randomUpdatedAt(rng),
    });
  }
  return members;
}

export interface GenerateCctvOptions {
  facilityId: string;
  seed?: number;
  count?: number;
}

export function generateCctvPeople(options: GenerateCctvOptions): CctvPerson[] {
  const { facilityId, seed = DEFAULT_SEED, count = DEFAULT_CCTV_PEOPLE_COUNT } = options;
  const rng = createRng((seed ^ hashString(facilityId)) >>> 0);
  // Camera identifications often come without a phone, hence the larger no-phone share.
  const contacts = plan<ContactCase>(
    count,
    [
      ["no-contact", 0.05],
      ["invalid-email", 0.03],
      ["no-email", 0.1],
      ["no-phone", 0.25],
    ],
    "normal",
    rng,
  );
  const nextPhone = phoneFactory(rng);
  const prefix = hashString(facilityId).toString(36).slice(0, 4);
  const people: CctvPerson[] = [];
  for (let i = 0; i < count; i++) {
    const first_name = rng.pick(FIRST_NAMES);
    const last_name = rng.pick(LAST_NAMES);
    const n = 1 + i;
    people.push({
      person_id: `cv-${prefix}-${String(n).padStart(3, "0")}`,
      first_name,
      last_name,
      ...contactFor(contacts[i] as ContactCase, first_name, last_name, 500 + n, nextPhone, rng),
      updated_at: randomUpdatedAt(rng),
    });
  }
  return people;
}
