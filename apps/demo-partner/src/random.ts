/**
 * Small seeded PRNG (mulberry32): the demo data, and the member-system simulators' generated people
 * (@uas/simulators), must be identical for a given seed on every machine.
 */
export interface Rng {
  next(): number;
  int(maxExclusive: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: T[]): T[];
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
    chance: (probability) => next() < probability,
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from an empty list");
      return items[int(items.length)] as (typeof items)[number];
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        [items[i], items[j]] = [items[j] as (typeof items)[number], items[i] as (typeof items)[number]];
      }
      return items;
    },
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

/** FNV-1a, to derive a per-facility seed from its id so adding a facility leaves the others unchanged. */
export function hashString(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    hash ^= value.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
