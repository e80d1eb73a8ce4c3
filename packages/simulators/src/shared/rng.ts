import type { Rng } from "@uas/demo-partner/generated-people";

/** The simulators generate people with the demo partner's seeded PRNG and names: one generator of fictional people. */
export { FIRST_NAMES, LAST_NAMES, createRng, emailSlug, type Rng } from "@uas/demo-partner/generated-people";

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
