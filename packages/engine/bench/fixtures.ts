import type { ListingPort } from "../src/ports";

export const PAGE_SIZE = 1000;

/** A changed pass: every 10th member has new details, every 100th (offset 1) left the source. */
export type Generation = "first" | "unchanged" | "changed";

const BASE_TIME = Date.UTC(2026, 10, 1);

export function benchMember(i: number, generation: Generation): Record<string, unknown> | null {
  const changed = generation === "changed" && i % 10 === 0;
  if (generation === "changed" && i % 100 === 1) return null;
  return {
    external_id: `M-${i}`,
    first_name: `First${i}`,
    last_name: changed ? `Renamed${i}` : `Last${i % 997}`,
    email: `member${i}@example.com`,
    mobile_phone: `+4479${String(11000000 + i).padStart(8, "0")}`,
    person_type: "member",
    membership_status: changed ? "frozen" : "active",
    tags: i % 3 === 0 ? ["gold", "pool"] : ["standard"],
    location_ids: ["loc-1"],
    updated_at: new Date(BASE_TIME + (changed ? 86_400_000 : 0) + i).toISOString(),
    extra_partner_field: "ignored",
  };
}

/** Generates each page on demand, as a partner's API would serve it: memory stays per page. */
export function generatedListing(members: number, generation: Generation): ListingPort {
  return {
    async fetchPage(cursor) {
      const start = cursor === null ? 0 : Number(cursor);
      const end = Math.min(start + PAGE_SIZE, members);
      const records: unknown[] = [];
      for (let i = start; i < end; i += 1) {
        const record = benchMember(i, generation);
        if (record) records.push(record);
      }
      return { records, nextCursor: end < members ? String(end) : null };
    },
  };
}
