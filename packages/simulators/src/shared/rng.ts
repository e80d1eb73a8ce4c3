/** Small seeded PRNG (mulberry32): generated people are identical for a seed on every machine. */
export interface Rng {
  next(): number;
  int(maxExclusive: number): number;
  pick<T>(items: readonly T[]): T;
  /** A value by weight, e.g. [['Active', 0.7], ['Expired', 0.3]]. */
  weighted<T>(options: ReadonlyArray<readonly [T, number]>): T;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  return {
    next,
    int,
    pick: (items) => items[int(items.length)] as (typeof items)[number],
    weighted: (options) => {
      let roll = next();
      for (const [value, weight] of options) {
        if (roll < weight) return value;
        roll -= weight;
      }
      return (options[options.length - 1] as readonly [(typeof options)[number][0], number])[0];
    },
  };
}

export const FIRST_NAMES = [
  "Ada",
  "Grace",
  "Alan",
  "Katherine",
  "Oliver",
  "Amelia",
  "George",
  "Isla",
  "Harry",
  "Ava",
  "Noah",
  "Mia",
  "Jack",
  "Sophia",
  "Leo",
  "Freya",
  "Arthur",
  "Lily",
  "Muhammad",
  "Emily",
  "Aisha",
  "Priya",
  "Ravi",
  "Mei",
  "Kwame",
  "Ngozi",
  "Lukas",
  "Ingrid",
  "Mateo",
  "Zoë",
] as const;

export const LAST_NAMES = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Johnson",
  "Smith",
  "Jones",
  "Taylor",
  "Brown",
  "Williams",
  "Wilson",
  "Patel",
  "Khan",
  "Singh",
  "Nguyen",
  "Wang",
  "Okafor",
  "Mensah",
  "Müller",
  "García",
  "O'Brien",
] as const;

const slugs = new Map<string, string>();
/** ASCII local part for generated emails: "Zoë" -> "zoe", "O'Brien" -> "obrien" (memoised: generators ask for the same few names 100,000 times). */
export function emailSlug(name: string): string {
  let slug = slugs.get(name);
  if (slug === undefined) {
    slug = name
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z]/g, "");
    slugs.set(name, slug);
  }
  return slug;
}

const DAY_MS = 24 * 3600 * 1000;
const dayPrefixes = new Map<number, string>();
const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
/** `2026-11-20T10:11:12Z` for an instant; the date part is cached per day, which makes it several times faster than toISOString() in generators. */
export function isoSeconds(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  const seconds = Math.floor((ms - day * DAY_MS) / 1000);
  return `${prefix}${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}Z`;
}

/** Fictional UK mobile numbers (Ofcom's drama range 07700 900000-900999). */
export function fictionalMobile(rng: Rng): string {
  return `+447700900${String(rng.int(1000)).padStart(3, "0")}`;
}

/** Generated people were last changed some time in the 120 days before this fixed instant (stable across runs). */
export const GENERATED_BASE_TIME = Date.UTC(2026, 10, 20);
export function generatedModifiedMs(rng: Rng): number {
  return GENERATED_BASE_TIME - rng.int(120 * 24 * 3600) * 1000;
}

/** A deterministic UUID-shaped id from a seed and a counter (PushPress uses UUIDs). */
export function seededUuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${"89ab"[rng.int(4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
